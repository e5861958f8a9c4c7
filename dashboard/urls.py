from django.urls import path

from dashboard import views

app_name = "dashboard"

# The dashboard itself is the site's home page, `home` in `vpsa.urls`.
urlpatterns = [
    path("site/", views.dashboard_choose_site, name="choose"),
]
