"""Running a write under an ``Idempotency-Key``: the first response is kept and given again."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.auth import Caller
from api.context import ApiContext
from billing import fingerprint

REPLAYED = "Idempotent-Replayed"


def respond(
    ctx: ApiContext,
    who: Caller,
    *,
    path: str,
    key: str | None,
    request: BaseModel,
    status: int,
    work: Callable[[], BaseModel],
) -> JSONResponse:
    if key is None:
        return JSONResponse(work().model_dump(mode="json"), status_code=status)
    outcome = ctx.billing.idempotency.run(
        api_key_id=who.key.id,
        key=key,
        fingerprint=fingerprint("POST", path, request.model_dump_json().encode()),
        now=ctx.now(),
        work=lambda: (status, work().model_dump(mode="json")),
    )
    headers = {REPLAYED: "true"} if outcome.replayed else {}
    return JSONResponse(outcome.body, status_code=outcome.status, headers=headers)
