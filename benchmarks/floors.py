"""The two floors the page benchmark compares each page with, mounted only by
`benchmarks/pages.py` (never in the application's own URLs):

- the bare floor: the rows a list page shows (ROWS engagements of a site the user may see,
  newest first), fetched with one indexed query and rendered in a bare template;
- the layout floor: the same rows inside the application's own base layout and navigation,
  for the logged-in user.
"""

from django.http import HttpResponse
from django.template import engines
from django.urls import include, path

from engagement.models import Engagement

ROWS = 25

ROW_TEMPLATE = (
    "{% for row in rows %}<tr><td>{{ row.pk }}</td><td>{{ row.date }}</td>"
    "<td>{{ row.format }}</td><td>{{ row.purpose }}</td></tr>{% endfor %}"
)
BARE = engines["django"].from_string(f"<!doctype html><table>{ROW_TEMPLATE}</table>")
LAYOUT = engines["django"].from_string(
    '{% extends "base.html" %}{% block content %}<table class="table">'
    f"{ROW_TEMPLATE}</table>{{% endblock %}}"
)


def _rows(request):
    site = request.GET.get("site")
    return list(
        Engagement.objects.visible_to(request.user)
        .filter(site=site)
        .order_by("-date", "-pk")
        .values("pk", "date", "format", "purpose")[:ROWS]
    )


def bare_floor(request):
    return HttpResponse(BARE.render({"rows": _rows(request)}))


def layout_floor(request):
    return HttpResponse(LAYOUT.render({"rows": _rows(request), "page": "floor"}, request))


urlpatterns = [
    path("__floor/bare/", bare_floor),
    path("__floor/layout/", layout_floor),
    path("", include("vpsa.urls")),
]
