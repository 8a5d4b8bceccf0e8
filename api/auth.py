"""Who is calling: the bearer key, the actor it makes, and whether it may write.

The dependency reads headers only, on the event loop (FastAPI would run a plain function in the thread
pool: one more hop per request). The key is looked up by the route (``Authenticated``) on the one worker
thread its endpoint runs on: for a write, in the transaction the endpoint's use cases then join, so that
the key, an idempotency record and the change are one transaction; for a read, in a read of its own.

That hop is asyncio's own executor hand-off (``run_in_executor`` on the API's pool, as many threads as
anyio's default limit): less CPU per request than anyio's worker threads, which wait on a ``queue.Queue``
built of Python locks, and the context (the request id) is carried over as anyio carries it.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Annotated, Any

import anyio.to_thread
from fastapi import Depends, Header, Request
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.routing import APIRoute
from fastapi.security.base import SecurityBase
from fastapi.security.utils import get_authorization_scheme_param

from api.context import ApiContext
from api.problems import ApiError
from api.schemas import PRINTABLE
from billing import Actor, ApiKeyView, ApiScope

MAX_ON_BEHALF_OF = 100
WORKER_THREADS = 40  # anyio's default limit, which these endpoints were run under before
_WORKERS = ThreadPoolExecutor(max_workers=WORKER_THREADS, thread_name_prefix="joanbot-api")
OnBehalfOf = Annotated[
    str | None, Header(pattern=PRINTABLE, max_length=MAX_ON_BEHALF_OF, description="the end user acting")
]


def _unauthenticated() -> ApiError:
    return ApiError(401, "unauthenticated", "a valid API key is required", headers={"WWW-Authenticate": "Bearer"})


@dataclass
class Caller:
    """A request's bearer key: ``key`` and ``actor`` once ``admit`` has accepted what it was found to be."""

    ctx: ApiContext
    token: str
    on_behalf_of: str | None
    write: bool  # the route writes: a read-only key is refused
    one_transaction: bool  # a write whose key is looked up in the transaction of its use cases
    found: ApiKeyView | None = None

    @property
    def key(self) -> ApiKeyView:
        if self.found is None:
            raise RuntimeError("the caller's key has not been looked up")
        return self.found

    @property
    def actor(self) -> Actor:
        return self.key.actor(on_behalf_of=self.on_behalf_of)

    @property
    def is_portal(self) -> bool:
        return self.key.scope == ApiScope.PORTAL

    def admit(self, found: ApiKeyView | None) -> None:
        """Accept the live key the token is (None: unknown or revoked, 401), if it may do what the route does."""
        if found is None:
            raise _unauthenticated()
        if self.write and found.read_only:
            raise ApiError(403, "read_only_key", "this API key is read-only")
        self.found = found

    def authenticate(self) -> None:
        """Look the key up in a read of its own (blocking: on a worker thread)."""
        self.admit(self.ctx.billing.api_keys.authenticate(key=self.token, now=self.ctx.now()))


class BearerKey(SecurityBase):
    """``Authorization: Bearer <key>``, OpenAPI's ``HTTPBearer`` scheme, as one dependency (not FastAPI's
    ``HTTPBearer`` under ours: each dependency costs its resolution on every request). Gives the caller,
    its key not looked up yet; no key, or one that cannot be one, is refused at once."""

    def __init__(self, *, write: bool, one_transaction: bool = True) -> None:
        self.model = HTTPBearerModel(description="a key from `joanbot api-keys create`")
        self.scheme_name = "HTTPBearer"
        self.write, self.one_transaction = write, one_transaction

    async def __call__(self, request: Request, on_behalf_of: OnBehalfOf = None) -> Caller:
        ctx: ApiContext = request.app.state.context
        scheme, token = get_authorization_scheme_param(request.headers.get("Authorization"))
        if scheme.lower() != "bearer" or not ctx.billing.api_keys.well_formed(token):
            raise _unauthenticated()
        who = Caller(ctx, token, on_behalf_of or None, write=self.write, one_transaction=self.one_transaction)
        request.state.caller = who
        return who


async def context(request: Request) -> ApiContext:
    found: ApiContext = request.app.state.context
    return found


async def refusal(request: Request) -> ApiError | None:
    """The 401 or 403 due to a request that is also invalid (422): the key's refusal comes first, as it did
    when keys were looked up before the request was validated. None when its key is fine (or unread)."""
    who = getattr(request.state, "caller", None)
    if not isinstance(who, Caller) or who.found is not None:
        return None
    try:
        await anyio.to_thread.run_sync(who.authenticate)
    except ApiError as error:
        return error
    return None


class Authenticated(APIRoute):
    """A route whose endpoint (a plain function) runs on a worker thread once, its caller's key looked up
    there first: for a write, in one transaction with the endpoint's use cases (``ApiKeys.writing``).

    Such an endpoint must not wait on anything but the database (the write lock is held from the key's
    lookup), and must not answer a refusal it caught after a use case wrote: what that use case wrote would
    commit. A ``SlowWriter`` endpoint waits on something else first: its key is looked up in a read of its own.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, _on_one_thread(endpoint), **kwargs)


def _on_one_thread(endpoint: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(endpoint)
    async def run(**values: Any) -> Any:
        call = functools.partial(contextvars.copy_context().run, _admitted, endpoint, values)
        return await asyncio.get_running_loop().run_in_executor(_WORKERS, call)

    return run


def _admitted(endpoint: Callable[..., Any], values: dict[str, Any]) -> Any:
    who = next((value for value in values.values() if isinstance(value, Caller)), None)
    if who is None:
        return endpoint(**values)
    if not (who.write and who.one_transaction):
        who.authenticate()
        return endpoint(**values)
    with who.ctx.billing.api_keys.writing(key=who.token, now=who.ctx.now()) as found:
        who.admit(found)
        return endpoint(**values)


Reader = Annotated[Caller, Depends(BearerKey(write=False))]
Writer = Annotated[Caller, Depends(BearerKey(write=True))]
SlowWriter = Annotated[Caller, Depends(BearerKey(write=True, one_transaction=False))]  # waits on the network first
Context = Annotated[ApiContext, Depends(context)]
