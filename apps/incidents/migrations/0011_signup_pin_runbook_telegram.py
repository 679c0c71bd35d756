"""The "signup-pin" runbook names the platform bot's commands, its health check and its event codes.
Edits the seeded row only where it still has the seeded text (an operator's own edits stay)."""

from django.db import migrations

CHECK = "telegram_platform_bot"
# TELEGRAM_SEND_FAIL stays with "outbound-blocked" (its catalog runbook, also for tenants' bots); the
# fix below names it.
CODES = ["TELEGRAM_WEBHOOK_UNAUTHORIZED", "PLATFORM_BOT_WEBHOOK_DEAD_LETTERED"]
SEEDED_FIX = (
    "Check the signup status: the Telegram bot token is present and the owner is bound; check the bot "
    "token and webhook secret settings; the owner sends /bind to the bot. Then start signup again."
)
FIX = (
    "Read why signup is off: GET /auth/signup/status (the login page says the same). No token: set "
    "TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET and SIGNUP_PIN_SECRET and restart. Webhook not OK: run "
    "`manage.py telegram_status` (where the webhook points, updates waiting, Telegram's last delivery error); "
    "when it shows no URL, another URL or a 401, run `manage.py telegram_set_webhook <public-base-url>`. Owner "
    "not bound: generate a code on the owner's user page in the admin (or `manage.py telegram_bind_code "
    "<username>`) and send /bind <code> to the bot; /whoami confirms. A TELEGRAM_SEND_FAIL event names the "
    "failed call and its fix (a blocked bot: the owner presses Start). Then start signup again."
)


def update(apps, schema_editor):
    runbook = apps.get_model("incidents", "Runbook").objects.filter(slug="signup-pin").first()
    if runbook is None:
        return
    runbook.checks = [CHECK] + [name for name in runbook.checks or [] if name != CHECK]
    runbook.codes = list(runbook.codes or []) + [code for code in CODES if code not in (runbook.codes or [])]
    runbook.fix = FIX if runbook.fix == SEEDED_FIX else runbook.fix
    runbook.save(update_fields=["checks", "codes", "fix"])


def restore(apps, schema_editor):
    runbook = apps.get_model("incidents", "Runbook").objects.filter(slug="signup-pin").first()
    if runbook is None:
        return
    runbook.checks = [name for name in runbook.checks or [] if name != CHECK]
    runbook.codes = [code for code in runbook.codes or [] if code not in CODES]
    runbook.fix = SEEDED_FIX if runbook.fix == FIX else runbook.fix
    runbook.save(update_fields=["checks", "codes", "fix"])


class Migration(migrations.Migration):
    dependencies = [("incidents", "0010_telegram_channel")]

    operations = [migrations.RunPython(update, restore)]
