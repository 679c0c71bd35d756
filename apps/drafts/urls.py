from django.urls import path

from apps.drafts import views, views_drafts

app_name = "drafts"

urlpatterns = [
    path("", views_drafts.draft_list, name="list"),
    path("metrics/", views_drafts.draft_metrics, name="metrics"),
    path("<int:draft_id>/", views_drafts.draft_detail, name="detail"),
    path("<int:draft_id>/approve/", views_drafts.draft_approve, name="approve"),
    path("<int:draft_id>/reject/", views_drafts.draft_reject, name="reject"),
    path("sources/<int:source_id>/", views.source_settings, name="source-settings"),
    path("sources/<int:source_id>/support-loop/", views_drafts.support_loop, name="support-loop"),
]
