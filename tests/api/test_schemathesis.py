"""Schemathesis, a fuzzer we did not write, against the app and its own OpenAPI document: every operation,
no server error, and every response's status, content type and body as the document declares them."""

from __future__ import annotations

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from billing import Billing
from tests.api.conftest import bearer, new_key

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]


SETTINGS = settings(
    max_examples=15, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)


def test_every_operation_answers_as_its_document_says(
    billing: Billing, api_app: FastAPI, acme: str, northwind: str
) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", api_app)
    headers = bearer(new_key(billing, "fuzz"))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 18
    for operation in operations:

        @SETTINGS
        @given(case=operation.as_strategy())
        def fuzz(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        @SETTINGS
        @given(case=operation.as_strategy())
        def fuzz_known_account(case: schemathesis.Case) -> None:
            # Random path values nearly always name no account: half the cases name real ones.
            known = {"account": "acme", "solution": "room" if "devices" in case.operation.path else "desk"}
            case.path_parameters = {
                **(case.path_parameters or {}),
                **{k: v for k, v in known.items() if k in (case.path_parameters or {})},
            }
            case.call_and_validate(headers=headers, checks=CHECKS)

        fuzz()
        fuzz_known_account()


def test_the_document_is_valid_openapi_3_1_and_covers_the_contract(client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    validate(document)
    assert document["openapi"].startswith("3.1")
    operations = {f"{method.upper()} {path}" for path, item in document["paths"].items() for method in item}
    assert operations == {
        "GET /api/v1/accounts",
        "GET /api/v1/accounts/{account}",
        "POST /api/v1/accounts/{account}/redemptions/preview",
        "POST /api/v1/accounts/{account}/redemptions",
        "PUT /api/v1/accounts/{account}/solutions/{solution}/devices/{device}",
        "DELETE /api/v1/accounts/{account}/solutions/{solution}/devices/{device}",
        "PUT /api/v1/accounts/{account}/solutions/{solution}/users/{user}",
        "DELETE /api/v1/accounts/{account}/solutions/{solution}/users/{user}",
        "POST /api/v1/accounts/{account}/activity",
        "GET /api/v1/accounts/{account}/credits",
        "GET /api/v1/accounts/{account}/invoices",
        "POST /api/v1/accounts/{account}/licenses/quote",
        "POST /api/v1/accounts/{account}/licenses",
        "POST /api/v1/accounts/{account}/plan/quote",
        "POST /api/v1/accounts/{account}/plan",
        "DELETE /api/v1/accounts/{account}/plan/scheduled/{solution}",
        "PUT /api/v1/accounts/{account}/contacts",
        "GET /api/v1/forecast",
    }
