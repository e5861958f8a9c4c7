from django.urls import path

from plans import views

app_name = "plans"

urlpatterns = [
    path("", views.plan_list, name="list"),
    path("new/", views.plan_add, name="add"),
    path("new/<int:site_pk>/", views.plan_draft, name="add_at"),
    path("<int:pk>/", views.plan_detail, name="detail"),
    path("<int:pk>/edit/", views.plan_edit, name="edit"),
    path("<int:pk>/approve/", views.plan_approve, name="approve"),
    path("<int:pk>/revise/", views.plan_revise, name="revise"),
    path("<int:pk>/delete/", views.plan_delete, name="delete"),
]
