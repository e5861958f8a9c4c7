from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_safe

from stakeholders import selectors
from stakeholders.forms import RegistryFilterForm
from stakeholders.redaction import identity_visible

PAGE_SIZE = 25


@require_safe
def stakeholder_list(request):
    form = RegistryFilterForm(request.GET or None, user=request.user)
    filters = form.filters()
    stakeholders = selectors.stakeholder_list(user=request.user, **filters)
    page = Paginator(stakeholders, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "stakeholders/stakeholder_list.html",
        {
            "page": "registry",
            "form": form,
            "page_obj": page,
            "filtered": any(value not in ("", None) for value in filters.values()),
            "query": query.urlencode(),
        },
    )


@require_safe
def stakeholder_detail(request, pk):
    stakeholder = selectors.stakeholder_get(user=request.user, pk=pk)
    visible = identity_visible(stakeholder)
    return render(
        request,
        "stakeholders/stakeholder_detail.html",
        {
            "page": "registry",
            "stakeholder": stakeholder,
            "contacts": stakeholder.contacts.all() if visible else [],
            "objectives": stakeholder.category.objectives.all(),
        },
    )
