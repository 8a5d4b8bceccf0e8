"""What every ops CLI command shares: the lazily opened billing core, the clock, date options, and turning
billing refusals into one line and exit 1."""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import wraps
from typing import Any, TypeVar

import click

from billing import Actor, Billing, BillingError, operator
from billing.periods import parse_date
from bot.runtime import open_billing
from bot.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])


def now_utc() -> datetime:
    return datetime.now(UTC)


class Context:
    """Opened lazily, so ``--help`` and usage errors never touch the database."""

    def __init__(self) -> None:
        self._billing: Billing | None = None
        self.actor: Actor = operator(os.environ.get("JOANBOT_OPERATOR") or getpass.getuser())

    @property
    def billing(self) -> Billing:
        if self._billing is None:
            self._billing = open_billing(Settings.from_env())
        return self._billing


pass_context = click.make_pass_decorator(Context, ensure=True)


def date_option(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return parse_date(value)
    except BillingError as error:
        raise click.BadParameter(str(error)) from None


def handled(command: F) -> F:
    """Turn billing refusals into one clear line and exit 1."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except BillingError as error:
            raise click.ClickException(str(error)) from None

    return wrapper  # type: ignore[return-value]
