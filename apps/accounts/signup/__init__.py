"""Signup approved by the platform owner: an applicant's pending signup becomes a tenant and its owner
when the owner presses Approve in Telegram or the applicant types the PIN the owner gave them.

`rules` holds the pure decisions, `pins` the PIN and its HMAC, `validation` what an application must
be, `services` the only code that changes signups. Telegram itself is apps.platform_bot.signup's:
this package never imports the bot."""
