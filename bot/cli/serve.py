"""``joanbot serve`` and ``joanbot demo``: the bot itself, for real or against the sandbox."""

from __future__ import annotations

import click


@click.command()
def serve() -> None:
    """Run the Slack bot: Socket Mode when SLACK_APP_TOKEN is set, else HTTP on PORT (default 3000)."""
    from bot.server import run

    run()


@click.command()
def demo() -> None:
    """Try the product without Slack: the real bot on a throwaway database, against a stand-in for Slack,
    with the calendar moved through a renewal. Prints every message the bot posts."""
    from bot.sandbox.demo import run_demo

    run_demo()
