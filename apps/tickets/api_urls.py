from django.urls import path

from apps.tickets.api import TicketDetailView, TicketReplyView, TicketsView

urlpatterns = [
    path("tickets/", TicketsView.as_view(), name="api-tickets"),
    path("tickets/<int:ticket_id>/", TicketDetailView.as_view(), name="api-ticket"),
    path("tickets/<int:ticket_id>/reply/", TicketReplyView.as_view(), name="api-ticket-reply"),
]
