"""Where webhooks may go: only ``https://`` to a public address, never into the deployment's own network.

The rule is checked twice, with the same functions: when an endpoint is registered (the URL's form, and its
addresses if the name resolves now), and before every delivery, on the addresses the name resolves to then
(the delivery connects to the address it checked, so a name that changes in between gains nothing).
``http://`` is allowed to loopback addresses only, and only when the deployment says so (development).
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from billing.errors import InvalidInput

MAX_URL = 2000

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]


class WebhookUrlRefused(InvalidInput):
    code = "webhook_url_refused"


@dataclass(frozen=True)
class Target:
    url: str
    scheme: str
    host: str
    port: int


def parse(url: str, *, allow_http: bool) -> Target:
    """The URL's parts, or ``WebhookUrlRefused`` saying why it may not be used."""
    text = url.strip()
    if len(text) > MAX_URL:
        raise WebhookUrlRefused(f"a webhook URL is at most {MAX_URL} characters")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as error:
        raise WebhookUrlRefused(f"not a URL: {error}") from None
    scheme, host = parts.scheme.lower(), (parts.hostname or "")
    if scheme not in ("https", "http") or not host:
        raise WebhookUrlRefused("a webhook URL must start with https://")
    if scheme == "http" and not allow_http:
        raise WebhookUrlRefused(
            "a webhook URL must be https:// (http:// only to loopback with JOANBOT_WEBHOOKS_ALLOW_HTTP=1)"
        )
    if parts.username or parts.password:
        raise WebhookUrlRefused("a webhook URL may not carry a user name or password")
    return Target(text, scheme, host, port or (443 if scheme == "https" else 80))


def address_allowed(scheme: str, address: Address) -> bool:
    """https: public addresses only; http (when allowed at all): loopback only."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if scheme == "http":
        return address.is_loopback
    return address.is_global and not address.is_multicast


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def checked_addresses(target: Target, *, resolve: Resolver = system_resolver) -> list[str]:
    """Every address ``target`` resolves to, if each of them is allowed; else ``WebhookUrlRefused``.
    A name that does not resolve raises ``OSError`` (a delivery retries it later)."""
    try:
        literal: Address | None = ipaddress.ip_address(target.host)
    except ValueError:
        literal = None
    found = [str(literal)] if literal is not None else list(resolve(target.host, target.port))
    if not found:
        raise OSError(f"{target.host} has no address")
    for text in found:
        if not address_allowed(target.scheme, ipaddress.ip_address(text.split("%", 1)[0])):
            where = "loopback" if target.scheme == "http" else "public"
            raise WebhookUrlRefused(f"{target.host} resolves to {text}, which is not a {where} address")
    return found


def check_at_registration(url: str, *, allow_http: bool, resolve: Resolver = system_resolver) -> Target:
    """The URL's form, and its addresses when the name resolves now (one that does not is let through:
    every delivery checks again)."""
    target = parse(url, allow_http=allow_http)
    with contextlib.suppress(OSError):
        checked_addresses(target, resolve=resolve)
    return target
