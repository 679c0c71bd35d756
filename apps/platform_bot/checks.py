"""The `telegram_platform_bot` health check: Telegram delivers the bot's updates to this Opsdesk."""

from apps.health.checks import CheckFailed, CheckSkipped, check
from apps.integrations.telegram.bot_api import BotApi
from apps.platform_bot import status


@check("telegram_platform_bot", "Telegram delivers the platform bot's updates here (getWebhookInfo)")
def telegram_platform_bot(*, tenant=None, connection=None):
    api = BotApi()
    if not api.is_configured():
        raise CheckSkipped("TELEGRAM_BOT_TOKEN is not set: the platform Telegram bot is off.")
    answer = status.read_status(api)
    if not answer.ok:
        raise CheckFailed(answer.reason, value=answer.pending_update_count)
    return answer.pending_update_count, answer.reason
