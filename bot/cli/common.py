"""What every ops CLI command shares: the runtime (opened lazily), the acting operator, the clock, date
options, and turning billing refusals into one line and exit 1."""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from datetime import date, datetime
from functools import wraps
from typing import Any, TypeVar

import click

from billing import Actor, Billing, BillingError, NotANumber, operator, parse_date
from bot.clock import Clock
from bot.runtime import Runtime

F = TypeVar("F", bound=Callable[..., Any])


class Context:
    """Builds nothing until a command needs it, so ``--help`` and usage errors never touch the database."""

    def __init__(self, runtime: Runtime | None = None, *, actor: Actor | None = None) -> None:
        self.runtime = runtime or Runtime()
        self.actor: Actor = actor or operator(os.environ.get("JOANBOT_OPERATOR") or getpass.getuser())

    @property
    def billing(self) -> Billing:
        return self.runtime.billing

    @property
    def clock(self) -> Clock:
        return self.runtime.clock

    def now(self) -> datetime:
        return self.runtime.clock()


pass_context = click.make_pass_decorator(Context, ensure=True)

# Numbers reach the domain as typed, so "-1" is refused by the rule it breaks, not taken for an option.
NUMBERS = {"ignore_unknown_options": True}

yes_option = click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")


# Far enough for any renewal; far from date.max, where a term added to a date overflows.
LATEST_DATE = date(2999, 12, 31)


def date_option(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        parsed = parse_date(value)
    except BillingError as error:
        raise click.BadParameter(str(error)) from None
    if parsed > LATEST_DATE:
        raise click.BadParameter(f"{value!r} is too far ahead (the latest date is {LATEST_DATE.isoformat()})")
    return parsed


def handled(command: F) -> F:
    """Turn billing refusals into one clear line and exit 1; a number that is not one is bad usage (exit 2),
    as a date that is not one is."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except NotANumber as error:
            raise click.UsageError(str(error)) from None
        except BillingError as error:
            raise click.ClickException(str(error)) from None

    return wrapper  # type: ignore[return-value]
