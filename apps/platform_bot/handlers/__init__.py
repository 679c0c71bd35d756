"""Every module here registers bot commands and button handlers (`apps.platform_bot.callbacks`);
`callbacks.load_all()` imports them all when the app is ready."""
