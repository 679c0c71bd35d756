from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from apps.core import zones
from apps.platform_bot import services


class Command(BaseCommand):
    help = (
        "Print a one-time code that binds a Telegram account to <username>: send /bind <code> to the "
        "platform bot within TELEGRAM_BIND_CODE_MINUTES. A new code cancels the user's older ones."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None or not user.is_active:
            raise CommandError(f"No active user is called {username!r}.")
        code, row = services.new_bind_code(user, actor=None)
        self.stderr.write(
            f"Send this to the platform bot in Telegram before {zones.when(row.expires_at, 's')} "
            f"(it works once): /bind {code}"
        )
        self.stdout.write(code)
