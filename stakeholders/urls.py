from django.urls import path

from stakeholders import views

app_name = "stakeholders"

urlpatterns = [
    path("", views.stakeholder_list, name="list"),
    path("add/", views.stakeholder_add, name="add"),
    path("map/", views.stakeholder_map, name="map"),
    path("lookup/", views.stakeholder_lookup, name="lookup"),
    path("<int:pk>/", views.stakeholder_detail, name="detail"),
    path("<int:pk>/edit/", views.stakeholder_edit, name="edit"),
    path("<int:pk>/assess/", views.assessment_add, name="assess"),
    path("<int:pk>/contacts/add/", views.contact_add, name="contact_add"),
    path("<int:pk>/contacts/<int:contact_pk>/", views.contact_edit, name="contact_edit"),
    path(
        "<int:pk>/contacts/<int:contact_pk>/delete/",
        views.contact_delete,
        name="contact_delete",
    ),
]
