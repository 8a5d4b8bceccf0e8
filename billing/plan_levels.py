"""One plan level per solution per account: the rule, decided in one pure function.

An account may hold licenses of one solution at one plan level at a time. Every door that gives licenses
(a redemption, a subscription started, a plan change, an import) loads the account's blocks of that
solution at other levels and asks ``level_clash`` whether the new period overlaps one; ``refuse_level_clash``
turns the answer into the one refusal, ``LevelConflict``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Protocol, TypeVar

from billing.errors import Conflict
from billing.periods import Period, format_date

# What the refusal suggests, by door: a code of the level held, or a plan change of the subscription.
REDEEM_REMEDY = "Issue a {solution} {held} code instead, or redeem this {wanted} code into a separate account."
SUBSCRIBE_REMEDY = "Change the plan of the {solution} {held} licenses instead, or let them end first."


class LevelConflict(Conflict):
    """One plan level per solution per account."""

    code = "level_conflict"


class Held(Protocol):
    """A block of licenses as the rule sees it (``CohortView`` is one)."""

    @property
    def id(self) -> int: ...
    @property
    def solution(self) -> str: ...
    @property
    def solution_name(self) -> str: ...
    @property
    def level(self) -> str: ...
    @property
    def level_name(self) -> str: ...
    @property
    def starts_on(self) -> date: ...
    @property
    def ends_on(self) -> date: ...


class Named(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def slug(self) -> str: ...


H = TypeVar("H", bound=Held)


def level_clash(held: Iterable[H], *, level: str, period: Period, ignore: int | None = None) -> H | None:
    """The block of another level (of the same solution) that ``period`` at ``level`` would overlap, the one
    running longest when several do; ``None`` when the period is free. ``ignore``: the block being changed."""
    clashes = [
        block
        for block in held
        if block.level != level and block.id != ignore and block.starts_on < period.end and block.ends_on > period.start
    ]
    return max(clashes, key=lambda block: (block.ends_on, -block.id)) if clashes else None


def level_conflict(
    *, account_name: str, account_slug: str, clash: Held, wanted: Named, remedy: str = REDEEM_REMEDY
) -> LevelConflict:
    """The refusal of a second plan level of one solution, naming the licenses already held."""
    advice = remedy.format(solution=clash.solution_name, held=clash.level_name, wanted=wanted.name)
    return LevelConflict(
        f"{account_name} already has {clash.solution_name} {clash.level_name} licenses "
        f"(until {format_date(clash.ends_on)}), and an account can hold only one plan level per solution. {advice}",
        account=account_slug,
        solution=clash.solution,
        existing_level=clash.level,
        wanted_level=wanted.slug,
        until=clash.ends_on.isoformat(),
    )


def refuse_level_clash(
    held: Iterable[Held],
    *,
    account_name: str,
    account_slug: str,
    wanted: Named,
    period: Period,
    ignore: int | None = None,
    remedy: str = REDEEM_REMEDY,
) -> None:
    clash = level_clash(held, level=wanted.slug, period=period, ignore=ignore)
    if clash is not None:
        raise level_conflict(
            account_name=account_name, account_slug=account_slug, clash=clash, wanted=wanted, remedy=remedy
        )
