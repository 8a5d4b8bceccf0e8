"""Outbound Slack adapters: what the bot sends on its own, not as a reply to a request."""
