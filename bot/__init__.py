"""The composition root: settings from the environment, the database, the Slack app, the CLI."""
