"""``joanbot webhooks``: endpoints told of every change (the signing secret is shown once, on its own line)."""

from __future__ import annotations

import click

from billing import format_date
from bot.cli.common import Context, handled, pass_context


@click.group("webhooks")
def webhooks() -> None:
    """Webhook endpoints: add (secret shown once), list, remove, rotate-secret, test."""


@webhooks.command("add")
@click.argument("name")
@click.argument("url")
@click.option("--events", default=None, help="Comma-separated event types (default: every type).")
@click.option("--reseller", default=None, help="Only this reseller's accounts' events, without amounts.")
@pass_context
@handled
def add(ctx: Context, name: str, url: str, events: str | None, reseller: str | None) -> None:
    """Register NAME to receive signed POSTs at URL. Prints its signing secret once."""
    types = events.split(",") if events else None
    view, secret = ctx.billing.webhooks.add(
        name=name, url=url, event_types=types, reseller=reseller, actor=ctx.actor, now=ctx.now()
    )
    what = ", ".join(view.event_types) if view.event_types else "every event"
    scope = f", {view.reseller}'s accounts only" if view.reseller else ""
    click.echo(f"webhook {view.name} -> {view.url} ({what}{scope}); its signing secret is shown only now:", err=True)
    click.echo(secret)


@webhooks.command("list")
@pass_context
@handled
def list_webhooks(ctx: Context) -> None:
    """Every endpoint: name, state, URL, events, scope."""
    for view in ctx.billing.webhooks.all(actor=ctx.actor):
        what = ",".join(view.event_types) if view.event_types else "all events"
        scope = f" reseller={view.reseller}" if view.reseller else ""
        failing = f", failing since {format_date(view.failing_since.date())}" if view.failing_since else ""
        click.echo(f"{view.name:<20} {view.state:<9} {view.url}  {what}{scope}{failing}")


@webhooks.command("remove")
@click.argument("name")
@pass_context
@handled
def remove(ctx: Context, name: str) -> None:
    """Forget NAME; what was still to be delivered to it is cancelled."""
    ctx.billing.webhooks.remove(name=name, actor=ctx.actor, now=ctx.now())
    click.echo(f"removed webhook {name}")


@webhooks.command("rotate-secret")
@click.argument("name")
@pass_context
@handled
def rotate_secret(ctx: Context, name: str) -> None:
    """A new signing secret for NAME (printed once); the old one still signs for 24 hours."""
    secret = ctx.billing.webhooks.rotate_secret(name=name, actor=ctx.actor, now=ctx.now())
    click.echo(f"new signing secret for {name}; the old one stays valid for 24 hours:", err=True)
    click.echo(secret)


@webhooks.command("test")
@click.argument("name")
@pass_context
@handled
def test(ctx: Context, name: str) -> None:
    """POST a signed webhook.test event to NAME now and say what it answered."""
    deliverer = ctx.runtime.deliverer()
    try:
        outcome = deliverer.test(name)
    finally:
        deliverer.close()
    if not outcome.ok:
        raise click.ClickException(f"webhook {name} did not accept the test event: {outcome.said}")
    click.echo(f"webhook {name} answered {outcome.said}")
