"""The platform's own Telegram bot: its webhook, /bind, button presses, status and commands."""
