"""``/forecast``: per month and solution, licenses renewing, already renewed, and (portal keys, accounts that
do not pay through a reseller) the value still to renew. A reseller key sees its own accounts, no value."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api import schemas as s
from api.auth import Authenticated, Context, Reader
from api.problems import responses
from api.schemas import PRINTABLE
from billing import DEFAULT_MONTHS, MAX_MONTHS, Forecast

router = APIRouter(tags=["forecast"], route_class=Authenticated)


class SolutionMonthOut(BaseModel):
    solution: str
    solution_name: str
    renewing: int
    renewed: int  # already renewed early: a successor block is in place
    still_to_renew: int
    value: list[s.Money] | None  # still to renew at today's prices, per currency; portal keys only
    unpriced: int | None  # licenses still to renew with no catalog price (not in ``value``); portal keys only


class MonthOut(BaseModel):
    month: str  # "2027-02"
    renewing: int
    renewed: int
    still_to_renew: int
    value: list[s.Money] | None
    solutions: list[SolutionMonthOut]


class ForecastOut(BaseModel):
    today: date  # the window starts here, in the deployment's time zone
    reseller: str | None
    months: list[MonthOut]


def forecast_out(forecast: Forecast) -> ForecastOut:
    shown = forecast.shows_value
    months = []
    for month in forecast.months:
        rows = forecast.in_month(month)
        renewing, renewed = forecast.renewing(month), forecast.renewed(month)
        solutions = [
            SolutionMonthOut(
                solution=row.solution,
                solution_name=row.solution_name,
                renewing=row.renewing,
                renewed=row.renewed,
                still_to_renew=row.still_to_renew,
                value=[s.Money.of(m) for m in row.value] if shown else None,
                unpriced=row.unpriced if shown else None,
            )
            for row in rows
        ]
        value = [s.Money.of(m) for m in forecast.value(month)] if shown else None
        months.append(
            MonthOut(
                month=f"{month:%Y-%m}",
                renewing=renewing,
                renewed=renewed,
                still_to_renew=renewing - renewed,
                value=value,
                solutions=solutions,
            )
        )
    return ForecastOut(today=forecast.today, reseller=forecast.reseller, months=months)


@router.get("/forecast", response_model=ForecastOut, responses=responses(404))
def get_forecast(
    who: Reader,
    ctx: Context,
    months: Annotated[int, Query(ge=1, le=MAX_MONTHS)] = DEFAULT_MONTHS,
    reseller: Annotated[
        str | None, Query(pattern=PRINTABLE, max_length=100, description="portal keys: one reseller's accounts")
    ] = None,
) -> ForecastOut:
    """Per month of the next ``months`` (1 to 36, this month first) and per solution renewing in it: licenses
    renewing, already renewed early, still to renew, and for portal keys the value still to renew per currency
    on accounts that do not pay through a reseller (``null`` for reseller keys, which see their own accounts,
    whatever ``reseller`` says)."""
    found = ctx.billing.forecasts.forecast(
        actor=who.actor, now=ctx.now(), months=months, reseller=reseller if who.is_portal else None
    )
    return forecast_out(found)
