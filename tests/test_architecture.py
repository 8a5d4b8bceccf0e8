"""The billing core stays free of Slack and of the outer layers."""

from __future__ import annotations

import ast
from pathlib import Path

FORBIDDEN = ("slack_bolt", "slack_sdk", "bot", "handlers")


def test_billing_imports_no_slack_bot_or_handlers():
    offenders = []
    for path in (Path(__file__).resolve().parents[1] / "billing").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])  # fmt: skip
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []


def test_handlers_never_read_the_environment():
    for path in (Path(__file__).resolve().parents[1] / "handlers").rglob("*.py"):
        assert "os.environ" not in path.read_text(), path.name
