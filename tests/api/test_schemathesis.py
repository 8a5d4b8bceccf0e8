"""Schemathesis, a fuzzer we did not write, against the app and its own OpenAPI document, as its CLI runs
with ``--checks all``: every phase (examples, coverage, fuzzing, stateful), every check, no failure.

A business rule refusing schema-valid data (a code that is not a code, a cursor or quote_id this API did not
give) is a documented 422, so ``positive_data_acceptance`` counts 422 among the expected answers."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from openapi_spec_validator import validate
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema

from billing import Billing
from tests.api.conftest import bearer, new_key

ACCEPTED = ["2xx", "401", "403", "404", "409", "422", "429"]


def _failures(app: FastAPI, key: str, parameters: dict[str, str]) -> tuple[list[str], set[str]]:
    config = SchemathesisConfig.from_dict(
        {
            "headers": bearer(key),
            "checks": {"enabled": True, "positive_data_acceptance": {"expected-statuses": ACCEPTED}},
            "generation": {"max-examples": 10, "database": "none"},
            "parameters": parameters,
            "seed": 19,
        }
    )
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app, config=config)
    found: list[str] = []
    phases: set[str] = set()
    for event in from_schema(schema).execute():
        if isinstance(event, events.PhaseFinished) and event.status != Status.SKIP:
            phases.add(event.phase.name)
        if isinstance(event, events.NonFatalError):
            found.append(f"error: {event.label}: {event.value!r}")  # a 500 is one: the app raised
        if isinstance(event, events.FatalError):
            found.append(f"fatal: {event.exception!r}")
        if isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
            found += [
                f"{event.recorder.label} {node.name}: {node.failure_info.failure if node.failure_info else ''}"
                for nodes in event.recorder.checks.values()
                for node in nodes
                if node.status == Status.FAILURE
            ]
    return found, phases


@pytest.mark.parametrize(
    "parameters",
    [{}, {"account": "acme", "solution": "room"}, {"account": "acme", "solution": "desk"}],
    ids=["any-path", "acme-room", "acme-desk"],
)
def test_every_phase_and_check_of_schemathesis_finds_nothing(
    billing: Billing, api_app: FastAPI, acme: str, northwind: str, parameters: Any
) -> None:
    failures, phases = _failures(api_app, new_key(billing, "fuzz"), parameters)
    assert failures == []
    assert {"coverage", "fuzzing", "stateful"} <= phases


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
    }
