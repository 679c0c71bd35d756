from django.urls import path

from apps.integrations.waha import views

app_name = "whatsapp"

urlpatterns = [
    path("", views.sessions_list, name="sessions"),
    path("<connection_id>/", views.session_page, name="session"),
    path("<connection_id>/qr.png", views.qr_image, name="qr"),
    path("<connection_id>/restart/", views.restart, name="restart"),
    path("<connection_id>/pairing-code/", views.pairing_code, name="pairing_code"),
]
