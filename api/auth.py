"""Who is calling: the bearer key, the actor it makes, and whether it may write."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.context import ApiContext
from api.problems import ApiError
from api.schemas import PRINTABLE
from billing import Actor, ApiKeyView, ApiScope

bearer = HTTPBearer(auto_error=False, description="a key from `joanbot api-keys create`")
MAX_ON_BEHALF_OF = 100


@dataclass(frozen=True)
class Caller:
    key: ApiKeyView
    actor: Actor

    @property
    def is_portal(self) -> bool:
        return self.key.scope == ApiScope.PORTAL

    def require_write(self) -> None:
        if self.key.read_only:
            raise ApiError(403, "read_only_key", "this API key is read-only")


# Dependencies that do no I/O are coroutines: FastAPI would run a plain function in the thread pool,
# one more hop per request for nothing.
async def context(request: Request) -> ApiContext:
    found: ApiContext = request.app.state.context
    return found


def caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    on_behalf_of: Annotated[
        str | None, Header(pattern=PRINTABLE, max_length=MAX_ON_BEHALF_OF, description="the end user acting")
    ] = None,
) -> Caller:
    ctx: ApiContext = request.app.state.context
    found = None
    if credentials is not None and credentials.scheme.lower() == "bearer":
        found = ctx.billing.api_keys.authenticate(key=credentials.credentials, now=ctx.now())
    if found is None:
        raise ApiError(401, "unauthenticated", "a valid API key is required", headers={"WWW-Authenticate": "Bearer"})
    return Caller(key=found, actor=found.actor(on_behalf_of=on_behalf_of or None))


async def writer(who: Annotated[Caller, Depends(caller)]) -> Caller:
    who.require_write()
    return who


Reader = Annotated[Caller, Depends(caller)]
Writer = Annotated[Caller, Depends(writer)]
Context = Annotated[ApiContext, Depends(context)]
