from django.urls import path

from engagement import views

app_name = "engagement"

urlpatterns = [
    path("<int:pk>/", views.engagement_detail, name="detail"),
]
