"""The OpenAPI document a client generator and a linter read: what Spectral's ``spectral:oas`` ruleset
checks, checked here without node (and Spectral itself run on it under CI when node is there)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest

SPECTRAL = "@stoplight/spectral-cli@6"


@pytest.fixture
def document(client) -> dict:
    return client.get("/api/v1/openapi.json").json()


def _operations(document: dict) -> list[tuple[str, dict]]:
    return [(f"{method.upper()} {path}", op) for path, item in document["paths"].items() for method, op in item.items()]


def test_every_operation_has_a_short_unique_camel_case_id(document):
    ids = [op["operationId"] for _, op in _operations(document)]
    assert all(re.fullmatch(r"[a-z][A-Za-z]{2,24}", i) for i in ids), ids
    assert len(set(ids)) == len(ids)
    device = document["paths"]["/api/v1/accounts/{account}/solutions/{solution}/devices/{device}"]
    assert device["put"]["operationId"] == "putDevice"


def test_every_operation_has_a_description_and_a_tag_the_document_describes(document):
    described = {tag["name"] for tag in document["tags"] if tag.get("description")}
    for name, op in _operations(document):
        assert op.get("description", "").strip(), name
        assert op.get("tags") and set(op["tags"]) <= described, name


def test_the_document_names_its_server_contact_and_license(document):
    info = document["info"]
    assert info["description"] and info["contact"] and info["license"]["name"]
    assert info["license"].get("url") or info["license"].get("identifier")
    servers = document["servers"]
    assert servers and all(not re.search(r"./$", s["url"]) and "example.com" not in s["url"] for s in servers)


def test_every_path_parameter_is_declared_once_and_used(document):
    for path, item in document["paths"].items():
        templated = set(re.findall(r"{(\w+)}", path))
        for method, op in item.items():
            declared = [p["name"] for p in op.get("parameters", []) if p["in"] == "path"]
            assert sorted(declared) == sorted(templated), f"{method} {path}"


@pytest.mark.skipif(
    shutil.which("npx") is None or not (os.environ.get("CI") == "true" or os.environ.get("JOANBOT_SPECTRAL")),
    reason="Spectral runs under CI (or with JOANBOT_SPECTRAL=1) where node is installed",
)
def test_spectral_finds_nothing_in_the_served_document(document, tmp_path):
    (tmp_path / "openapi.json").write_text(json.dumps(document))
    (tmp_path / ".spectral.yaml").write_text('extends: ["spectral:oas"]\n')
    run = subprocess.run(
        ["npx", "--yes", SPECTRAL, "lint", "openapi.json", "--format", "json", "--fail-severity", "hint"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    results = json.loads(run.stdout[: run.stdout.rindex("]") + 1]) if "[" in run.stdout else None
    assert results == [], run.stdout + run.stderr
