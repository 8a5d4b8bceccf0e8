"""Devices and users in an account's license pool (PUT in, DELETE out), and activity for the 60-day release."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from fastapi.responses import JSONResponse

from api import schemas as s
from api.auth import Authenticated, Caller, Context, Writer
from api.context import ApiContext
from api.problems import responses
from api.routes.accounts import AccountSlug
from api.schemas import PRINTABLE
from billing import MAX_SUBJECT, AlreadyAssigned, LicenseKind

router = APIRouter(tags=["assignments"], route_class=Authenticated)
SolutionSlug = Annotated[str, Path(pattern=PRINTABLE, min_length=1, max_length=100)]
SubjectId = Annotated[str, Path(pattern=PRINTABLE, min_length=1, max_length=MAX_SUBJECT)]


def _put(ctx: ApiContext, who: Caller, account: str, solution: str, subject: str, kind: LicenseKind) -> JSONResponse:
    try:
        free: int = ctx.billing.assignments.assign(
            account=account,
            solution=solution,
            subject=subject,
            kind=kind,
            actor=who.actor,
            now=ctx.now(),
            request_ref=f"api:{who.key.name}",
        )
        status = 201
    except AlreadyAssigned as already:
        free, status = already.details["licenses_free"], 200
    body = s.AssignmentOut(account=account, solution=solution, kind=kind, subject=subject.strip(), licenses_free=free)
    return JSONResponse(body.model_dump(mode="json"), status_code=status)


def _delete(ctx: ApiContext, who: Caller, account: str, solution: str, subject: str, kind: LicenseKind) -> Response:
    ctx.billing.assignments.unassign(
        account=account,
        solution=solution,
        subject=subject,
        kind=kind,
        actor=who.actor,
        now=ctx.now(),
        request_ref=f"api:{who.key.name}",
    )
    return Response(status_code=204)


ASSIGNED: dict[int | str, dict[str, Any]] = {200: {"model": s.AssignmentOut, "description": "it already held one"}}
DEVICE = "/accounts/{account}/solutions/{solution}/devices/{device}"
USER = "/accounts/{account}/solutions/{solution}/users/{user}"


@router.put(DEVICE, status_code=201, response_model=s.AssignmentOut, responses={**ASSIGNED, **responses(403, 404, 409)})
def put_device(
    account: AccountSlug, solution: SolutionSlug, device: SubjectId, who: Writer, ctx: Context
) -> JSONResponse:
    """The device occupies one license: 201, or 200 when it already did; 409 ``over_capacity`` when none
    is free."""
    return _put(ctx, who, account, solution, device, LicenseKind.DEVICE)


@router.delete(DEVICE, status_code=204, response_class=Response, responses=responses(403, 404))
def delete_device(
    account: AccountSlug, solution: SolutionSlug, device: SubjectId, who: Writer, ctx: Context
) -> Response:
    """Free the device's license: 204; 404 when it held none."""
    return _delete(ctx, who, account, solution, device, LicenseKind.DEVICE)


@router.put(USER, status_code=201, response_model=s.AssignmentOut, responses={**ASSIGNED, **responses(403, 404, 409)})
def put_user(account: AccountSlug, solution: SolutionSlug, user: SubjectId, who: Writer, ctx: Context) -> JSONResponse:
    """The user occupies one license: 201, or 200 when they already did; 409 ``over_capacity`` when none
    is free."""
    return _put(ctx, who, account, solution, user, LicenseKind.USER)


@router.delete(USER, status_code=204, response_class=Response, responses=responses(403, 404))
def delete_user(account: AccountSlug, solution: SolutionSlug, user: SubjectId, who: Writer, ctx: Context) -> Response:
    """Free the user's license: 204; 404 when they held none."""
    return _delete(ctx, who, account, solution, user, LicenseKind.USER)


@router.post("/accounts/{account}/activity", response_model=s.ActivityOut, responses=responses(403, 404))
def record_activity(account: AccountSlug, body: s.ActivityIn, who: Writer, ctx: Context) -> s.ActivityOut:
    """Each user's latest activity, for the 60-day release (up to 1,000 events). The answer names the
    users who hold no license (released, or never assigned), so they can be assigned again."""
    unlicensed = ctx.billing.assignments.record_activities(
        account=account,
        events=[(event.user, event.solution, event.at) for event in body.events],
        actor=who.actor,
        now=ctx.now(),
    )
    return s.ActivityOut(
        recorded=len(body.events), unlicensed=[s.Unlicensed(user=u, solution=sol) for u, sol in unlicensed]
    )
