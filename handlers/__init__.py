"""Slack listeners (registered per surface) and the pure Block Kit builders they render with."""

from __future__ import annotations

from slack_bolt import App


def register(app: App) -> None:
    from handlers import actions, commands, events, license_commands, notice_actions, options, plan_change, views

    commands.register(app)
    actions.register(app)
    notice_actions.register(app)
    views.register(app)
    options.register(app)
    events.register(app)
    plan_change.register(app)
    license_commands.register(app)
