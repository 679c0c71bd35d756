from django.core.management.base import BaseCommand, CommandError

from apps.core import zones
from apps.integrations.telegram.bot_api import BotApi, BotApiError
from apps.platform_bot import status


class Command(BaseCommand):
    help = (
        "Show the platform bot's webhook as Telegram sees it (getWebhookInfo): where it points, how many "
        "updates wait, the last delivery error. Exits non-zero when something is wrong."
    )

    def handle(self, *args, **options):
        api = BotApi()
        self.stdout.write(f"Bot: {self._who(api)}")
        answer = status.read_status(api)
        status.forget()
        self.stdout.write(f"Webhook URL: {answer.url or '(none set)'}")
        self.stdout.write(f"Updates waiting at Telegram: {answer.pending_update_count}")
        if answer.last_error_at:
            when = zones.when(answer.last_error_at, "s")
            self.stdout.write(f"Last delivery error: {when}: {answer.last_error_message}")
        else:
            self.stdout.write("Last delivery error: none reported")
        if not answer.ok:
            raise CommandError(answer.reason)
        self.stdout.write(f"OK: {answer.reason}")

    def _who(self, api):
        if not api.is_configured():
            return "not configured (TELEGRAM_BOT_TOKEN is empty)"
        try:
            me = api.get_me() or {}
        except BotApiError as error:
            return f"getMe failed: {error.code} {error.description}. {error.fix}"
        return f"@{me.get('username', '?')} (id {me.get('id', '?')})"
