from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from dashboard import views as dashboard_views
from vpsa import sessions, views

admin.site.site_header = _("VPSA administration")
admin.site.site_title = _("VPSA admin")
admin.site.index_title = _("Registry and reference data")

urlpatterns = [
    path("", dashboard_views.dashboard, name="home"),
    path("dashboard/", include("dashboard.urls")),
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("session/keepalive", sessions.keepalive, name="keepalive"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("stakeholders/", include("stakeholders.urls")),
    path("engagements/", include("engagement.urls")),
    path("plans/", include("plans.urls")),
    path("reports/", include("reports.urls")),
    # Ahead of admin.site.urls, so the admin's "View on site" links (which reverse
    # 'admin:view_on_site' to this path) reach a lookup scoped like the rest of the admin.
    path(
        "admin/r/<str:content_type_id>/<path:object_id>/",
        admin.site.admin_view(views.admin_view_on_site),
        name="admin_view_on_site",
    ),
    path("admin/", admin.site.urls),
]
