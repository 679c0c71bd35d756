from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from apps.integrations.telegram.bot_api import BotApi, BotApiError
from apps.platform_bot import status


class Command(BaseCommand):
    help = (
        "Point the platform bot's webhook at <public-base-url>/auth/telegram/webhook with "
        "TELEGRAM_WEBHOOK_SECRET as its secret token (setWebhook), and print Telegram's answer."
    )

    def add_arguments(self, parser):
        parser.add_argument("public_base_url", help="e.g. https://ops.example.com (Telegram needs HTTPS)")

    def handle(self, *args, public_base_url, **options):
        api = BotApi()
        if not api.is_configured():
            raise CommandError("TELEGRAM_BOT_TOKEN is not set: there is no bot to point anywhere.")
        if not settings.TELEGRAM_WEBHOOK_SECRET:
            raise CommandError(
                "TELEGRAM_WEBHOOK_SECRET is not set: set it first, the webhook refuses deliveries without it."
            )
        url = public_base_url.rstrip("/") + reverse("platform-bot-webhook")
        try:
            result = api.set_webhook(url, settings.TELEGRAM_WEBHOOK_SECRET)
        except BotApiError as error:
            refusal = f"Telegram refused setWebhook for {url}: {error.code} {error.description}. {error.fix}"
            raise CommandError(refusal) from None
        status.forget()
        answer = "ok" if result is True else repr(result)
        self.stdout.write(f"Telegram answered: {answer} ({api.last_description or 'no description'}).")
        self.stdout.write(f"Webhook: {url}. Check delivery with manage.py telegram_status.")
