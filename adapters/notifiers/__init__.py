"""Routes for alarm messages: SMTP mail, webhook (JSON POST), a command (JSON on stdin), the log, apprise."""
