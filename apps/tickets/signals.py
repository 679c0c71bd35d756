"""What tickets tell the apps above them, without importing them."""

from django.dispatch import Signal

# ticket, message: an agent's public reply was written. Sent inside the reply's transaction, so what
# a receiver writes commits or rolls back with the reply (fallback manual mode queues the outbound
# message that carries it to the customer's WhatsApp or Telegram; the send itself runs after commit).
public_reply_posted = Signal()
