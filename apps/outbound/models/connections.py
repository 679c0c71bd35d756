from apps.integrations.models import Connection


class SendingConnection(Connection):
    """The sending side of a connection, for the outbound admin: who is paused, why, and the
    button to resume. The connection itself is managed in Integrations."""

    class Meta:
        proxy = True
        verbose_name = "connection sending"
        verbose_name_plural = "connections: sending"
