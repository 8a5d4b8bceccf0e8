"""The billing core stays free of Slack and of the outer layers."""

from __future__ import annotations

import ast
from pathlib import Path

FORBIDDEN = ("slack_bolt", "slack_sdk", "bot", "handlers")


def test_billing_imports_no_slack_and_no_outer_layer():
    offenders = []
    for path in Path(__file__).parent.parent.joinpath("billing").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path}: {name}" for name in names if name.split(".")[0] in FORBIDDEN]
    assert offenders == []


OUTER_LAYERS = ("handlers", "api", "bot", "mail")


def test_the_outer_layers_use_billing_only_through_its_public_face():
    """``billing/__init__.py`` is the face: the service, its views, its errors and the value rules. A door that
    reaches past it (``from billing.quotes import ...``, ``from billing import audit``) couples itself to the
    core's insides."""
    import billing

    root = Path(__file__).parent.parent
    offenders = []
    for layer in OUTER_LAYERS:
        for path in root.joinpath(layer).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                if isinstance(node, ast.ImportFrom) and node.module == "billing":
                    names = [f"billing.{a.name}" for a in node.names if a.name not in billing.__all__]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                offenders += [f"{path.relative_to(root)}: {name}" for name in names if name.startswith("billing.")]
    assert offenders == []


def test_the_public_face_names_only_what_it_exports():
    import billing

    assert sorted(billing.__all__) == sorted(set(billing.__all__))
    assert all(hasattr(billing, name) for name in billing.__all__)


def test_the_portal_api_imports_no_slack_and_neither_handlers_nor_bot():
    for path in Path(__file__).parent.parent.joinpath("api").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN, f"{path} imports {name}"


def test_billing_never_reads_the_clock():
    for path in Path(__file__).parent.parent.joinpath("billing").rglob("*.py"):
        text = path.read_text()
        assert "datetime.now(" not in text and "date.today(" not in text and "utcnow(" not in text, path


def test_handlers_never_read_the_environment():
    for path in (Path(__file__).resolve().parents[1] / "handlers").rglob("*.py"):
        assert "os.environ" not in path.read_text(), path.name


def _billing_sources() -> list[Path]:
    return sorted(Path(__file__).parent.parent.joinpath("billing").rglob("*.py"))


def _layer_sources() -> list[Path]:
    root = Path(__file__).parent.parent
    return sorted(
        path for layer in ("billing", "handlers", "bot", "api", "mail") for path in root.joinpath(layer).rglob("*.py")
    )


def test_modules_of_every_layer_stay_small_and_so_do_their_functions():
    too_long = []
    for path in _layer_sources():
        text = path.read_text()
        lines = text.count("\n")
        if lines > 400:
            too_long.append(f"{path}: {lines} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > 60:
                    too_long.append(f"{path}: {node.name} is {length} lines")
    assert too_long == []


def test_billing_knows_no_chat_api_error_strings():
    chat_errors = ("not_in_channel", "channel_not_found", "is_archived")
    assert [p.name for p in _billing_sources() if any(f'"{e}"' in p.read_text() for e in chat_errors)] == []
