from django.urls import path

from apps.tickets import views

app_name = "tickets"

urlpatterns = [
    path("", views.ticket_list, name="list"),
    path("new/", views.ticket_new, name="new"),
    path("<int:ticket_id>/", views.ticket_detail, name="detail"),
    path("<int:ticket_id>/reply/", views.ticket_reply, name="reply"),
    path("<int:ticket_id>/solve/", views.ticket_solve, name="solve"),
]
