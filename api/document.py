"""The OpenAPI 3.1 document's parts beyond what FastAPI derives from the endpoints: servers, contact,
license, tag descriptions, short operation ids, and the problem schemas every error response refers to."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from api import problems

# Relative: the document is served by the instance it describes, at whatever address that has.
SERVERS = [{"url": "/", "description": "the joanbot instance serving this document (`joanbot serve`)"}]
CONTACT = {"name": "the vendor's sales operations team, who issue the keys"}
LICENSE = {
    "name": "Proprietary: for the Joan Portal and resellers holding a key",
    "identifier": "LicenseRef-Proprietary",
}
TAGS = {
    "accounts": "The accounts a key may see, one account's plan (licenses, renewals, prices), its contacts.",
    "redemptions": "Pre-paid codes: preview what a code would do, then redeem it (idempotently).",
    "assignments": "Devices and users on licenses (PUT in, DELETE out), and activity for the 60-day release.",
    "money": "Credits, invoices, and buying licenses: a quote, then its commit by quote_id.",
    "plans": "Changing a subscription's level or interval: a quote, its commit, withdrawing a scheduled change.",
}


def operation_id(route: APIRoute) -> str:
    """``put_device`` -> ``putDevice``: what a generated client names its method."""
    first, *rest = route.name.split("_")
    return first + "".join(word.capitalize() for word in rest)


def build(app: FastAPI) -> Callable[[], dict[str, Any]]:
    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            made = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                servers=SERVERS,
                contact=CONTACT,
                license_info=LICENSE,
            )
            used = sorted({tag for item in made["paths"].values() for op in item.values() for tag in op["tags"]})
            made["tags"] = [{"name": tag, **({"description": TAGS[tag]} if tag in TAGS else {})} for tag in used]
            schemas = made.setdefault("components", {}).setdefault("schemas", {})
            for model in (problems.Problem, problems.FieldError):
                schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
                schemas.update(schema.pop("$defs", {}))
                schemas[model.__name__] = schema
            app.openapi_schema = made
        return app.openapi_schema

    return document
