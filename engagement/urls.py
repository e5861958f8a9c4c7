from django.urls import path

from engagement.views import attachments, exports, lists, perceptions, records

app_name = "engagement"

urlpatterns = [
    path("", lists.engagement_list, name="list"),
    path("my-function/", lists.function_engagement_list, name="mine"),
    path("commitments/", lists.commitment_list, name="commitments"),
    path("concerns/", lists.concern_list, name="concerns"),
    path("export/<slug:kind>.<slug:format>", exports.export, name="export"),
    path("perceptions/", perceptions.perceptions_page, name="perceptions"),
    path("<int:pk>/", records.engagement_detail, name="detail"),
    path("log/", records.engagement_add, name="add"),
    path("log/<int:site_pk>/", records.engagement_log, name="add_at"),
    path("<int:pk>/edit/", records.engagement_edit, name="edit"),
    path(
        "commitments/<int:pk>/progress/",
        records.commitment_progress,
        name="commitment_progress",
    ),
    path("<int:pk>/attachments/add/", attachments.attachment_add, name="attachment_add"),
    path("attachments/<int:pk>/", attachments.attachment_download, name="attachment_download"),
]
