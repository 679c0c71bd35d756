"""The owner's Approve / Reject buttons on a signup message (`signup:approve:<id>`,
`signup:reject:<id>`). Only bound, active superusers may press them; the account is created at once
on Approve, so the applicant's waiting page completes by itself."""

from apps.accounts.signup import services
from apps.accounts.signup.rules import SignupRefused
from apps.platform_bot import signup as bot_signup
from apps.platform_bot.callbacks import callback

NOT_ALLOWED = "Only the platform owner (a superuser who bound this Telegram account) can decide signups."
ACTIONS = {"approve": services.approve, "reject": services.reject}


@callback("signup")
def on_signup_button(query) -> str:
    decide = ACTIONS.get(query.action)
    if decide is None:
        return "Unknown signup button."
    if not bot_signup.may_decide(query.user):
        return NOT_ALLOWED
    try:
        signup = decide(query.target, by=query.user)
    except SignupRefused as refused:
        return refused.refusal.detail
    verb = "Approved" if query.action == "approve" else "Rejected"
    bot_signup.tell_owner(signup, f"{verb} by {presser(query)} at {bot_signup.clock(signup.decided_at)}.")
    return f"{verb}: {signup.company} <{signup.email}>."


def presser(query) -> str:
    link = getattr(query.user, "telegram_link", None)
    return f"@{link.telegram_username}" if link and link.telegram_username else query.user.get_username()
