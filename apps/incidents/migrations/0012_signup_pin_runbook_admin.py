"""The "signup-pin" runbook also points at the signups themselves: Accounts → Pending signups in the
admin says how each recent signup ended and why. Edits the row only where it still has the text
0011 wrote (an operator's own edits stay)."""

from django.db import migrations

ADDED_FIX = (
    " When signups are open but one did not go through, find it under Accounts → Pending signups in the "
    "admin (search the e-mail): 'PIN not sent (Telegram failed)' carries Telegram's answer in its note; "
    "expired means nobody approved it within 10 minutes; burned means 5 wrong PINs; cancelled names who "
    "or what replaced it. The applicant starts again (at most 3 starts per e-mail and per address in 15 "
    "minutes)."
)
EVIDENCE = "The signup status before and after, the binding time."
ADDED_EVIDENCE = " The pending signup's status and note, the TELEGRAM_SEND_FAIL event."
PREVIOUS_FIX_END = "Then start signup again."


def update(apps, schema_editor):
    runbook = apps.get_model("incidents", "Runbook").objects.filter(slug="signup-pin").first()
    if runbook is None:
        return
    if runbook.fix.endswith(PREVIOUS_FIX_END) and ADDED_FIX not in runbook.fix:
        runbook.fix += ADDED_FIX
    if runbook.evidence == EVIDENCE:
        runbook.evidence += ADDED_EVIDENCE
    runbook.save(update_fields=["fix", "evidence"])


def restore(apps, schema_editor):
    runbook = apps.get_model("incidents", "Runbook").objects.filter(slug="signup-pin").first()
    if runbook is None:
        return
    runbook.fix = runbook.fix.removesuffix(ADDED_FIX)
    runbook.evidence = runbook.evidence.removesuffix(ADDED_EVIDENCE)
    runbook.save(update_fields=["fix", "evidence"])


class Migration(migrations.Migration):
    dependencies = [("incidents", "0011_signup_pin_runbook_telegram")]

    operations = [migrations.RunPython(update, restore)]
