from django.urls import path

from apps.outbound import views

app_name = "outbound"

urlpatterns = [
    path("", views.message_list, name="messages"),
    path("new/", views.message_new, name="new"),
    path("<int:message_id>/", views.message_detail, name="message"),
    path("<int:message_id>/approve/", views.message_action, {"action": "approve"}, name="approve"),
    path("<int:message_id>/cancel/", views.message_action, {"action": "cancel"}, name="cancel"),
    path("<int:message_id>/retry/", views.message_action, {"action": "retry"}, name="retry"),
    path("contacts/", views.policy_list, name="policies"),
    path("contacts/<int:policy_id>/", views.policy_detail, name="policy"),
    path("contacts/<int:policy_id>/settings/", views.policy_settings, name="policy_settings"),
    path("contacts/<int:policy_id>/opt-out/", views.policy_opt_out, name="policy_opt_out"),
    path("contacts/<int:policy_id>/opt-in/", views.policy_opt_in, name="policy_opt_in"),
]
