"""manifest.yml is valid against Slack's schema and agrees with handlers/ids.py both ways."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import yaml

from bot.server import EVENTS_PATH
from handlers import ids

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "tests/data/slack-app-manifest.schema.1.0.0.json").read_text())
MANIFEST = yaml.safe_load((ROOT / "manifest.yml").read_text())


def _errors(manifest: dict) -> list[str]:
    validator = jsonschema.validators.validator_for(SCHEMA)(SCHEMA)
    return [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(manifest)]


def test_the_manifest_is_valid_against_slacks_schema():
    assert _errors(MANIFEST) == []


def test_the_schema_check_does_catch_a_broken_manifest():
    broken = copy.deepcopy(MANIFEST)
    broken["features"]["shortcuts"][0]["name"] = "A shortcut name far longer than twenty-four"
    broken["settings"]["socket_mode_enabled"] = "yes"
    assert len(_errors(broken)) >= 2


def test_the_command_shortcuts_and_events_match_the_code_both_ways():
    features, settings = MANIFEST["features"], MANIFEST["settings"]
    assert [c["command"] for c in features["slash_commands"]] == [ids.COMMAND]
    assert {s["callback_id"] for s in features["shortcuts"]} == set(ids.SHORTCUTS)
    assert set(settings["event_subscriptions"]["bot_events"]) == set(ids.EVENTS)
    declared = {value for name, value in vars(ids).items() if name.startswith(("SHORTCUT_", "EVENT_"))}
    assert declared == set(ids.SHORTCUTS) | set(ids.EVENTS)


def test_every_request_url_is_the_one_endpoint_the_server_serves():
    features, settings = MANIFEST["features"], MANIFEST["settings"]
    urls = [c["url"] for c in features["slash_commands"]] + [
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
        settings["interactivity"]["message_menu_options_url"],
    ]
    assert all(url.endswith(EVENTS_PATH) for url in urls)
    assert features["app_home"]["home_tab_enabled"] is True


def test_every_listener_the_app_registers_uses_an_id_from_ids_and_every_interactive_id_has_one():
    from slack_bolt import App

    from handlers import register

    app = App(signing_secret="x", token_verification_enabled=False, token="xoxb-unused")
    register(app)
    constraints = set()
    for listener in app._listeners:
        for matcher in listener.matchers:
            func = getattr(matcher, "func", None)
            for cell in getattr(func, "__closure__", None) or ():
                if isinstance(cell.cell_contents, str):
                    constraints.add(cell.cell_contents)
    values = {v for k, v in vars(ids).items() if k.isupper() and isinstance(v, str)}
    listened = {
        v
        for k, v in vars(ids).items()
        if k.startswith(("ACTION_", "VIEW_", "SHORTCUT_", "EVENT_"))
        and not k.startswith(
            (
                "ACTION_CODE",
                "ACTION_PLAN",
                "ACTION_UNITS",
                "ACTION_TERM",
                "ACTION_COUNT",
                "ACTION_REDEEM_BY",
                "ACTION_REFERENCE",
            )
        )
    }
    assert listened | {ids.COMMAND} <= constraints
    assert {c for c in constraints if c in values} == listened | {ids.COMMAND}
