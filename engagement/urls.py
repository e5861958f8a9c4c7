from django.urls import path

from engagement.views import records

app_name = "engagement"

urlpatterns = [
    path("<int:pk>/", records.engagement_detail, name="detail"),
]
