from __future__ import annotations

import pytest

from bot.settings import DEFAULT_SLACK_API_URL, SettingsError, SlackSettings

HTTP = {"SLACK_BOT_TOKEN": "xoxb-1-2", "SLACK_SIGNING_SECRET": "s3cret"}


def test_http_mode_needs_the_bot_token_and_the_signing_secret_and_defaults_the_rest():
    settings = SlackSettings.from_env(HTTP)
    assert not settings.socket_mode
    assert settings.api_url == DEFAULT_SLACK_API_URL and settings.port == 3000
    assert settings.admins == frozenset() and settings.sales_channel is None


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({**HTTP, "SLACK_BOT_TOKEN": "xoxp-user"}, "SLACK_BOT_TOKEN"),
        ({**HTTP, "SLACK_APP_TOKEN": "xoxb-wrong"}, "SLACK_APP_TOKEN"),
        ({**HTTP, "SLACK_API_URL": "ftp://x"}, "SLACK_API_URL"),
        ({**HTTP, "JOANBOT_ADMINS": "U1,alice"}, "JOANBOT_ADMINS"),
        ({**HTTP, "PORT": "http"}, "PORT"),
        ({**HTTP, "PORT": "70000"}, "PORT"),
    ],
)
def test_a_missing_or_bad_setting_fails_fast_naming_the_variable(env, named):
    with pytest.raises(SettingsError, match=named):
        SlackSettings.from_env(env)


def test_socket_mode_needs_no_signing_secret_and_the_rest_is_read():
    settings = SlackSettings.from_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_APP_TOKEN": "xapp-1",
            "SLACK_API_URL": "http://127.0.0.1:9/api",
            "JOANBOT_ADMINS": " U01ADMIN , W02ADMIN,",
            "JOANBOT_SALES_CHANNEL": "CSALES",
            "PORT": "8080",
        }
    )
    assert settings.socket_mode and settings.signing_secret is None
    assert settings.api_url == "http://127.0.0.1:9/api/"
    assert settings.admins == {"U01ADMIN", "W02ADMIN"}
    assert (settings.sales_channel, settings.port) == ("CSALES", 8080)


def test_secrets_stay_out_of_repr():
    shown = repr(SlackSettings.from_env({**HTTP, "SLACK_APP_TOKEN": "xapp-very-secret"}))
    assert "xoxb" not in shown and "s3cret" not in shown and "xapp" not in shown


def test_joanbot_serve_fails_fast_naming_the_missing_variable(monkeypatch, capsys, tmp_path):
    from bot.cli import main

    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("JOANBOT_HOME", str(tmp_path))
    assert main(["serve"]) == 2
    assert "SLACK_BOT_TOKEN" in capsys.readouterr().err
