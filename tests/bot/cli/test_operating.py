"""Starting ``joanbot`` wrongly: another code key, a bad setting, a stop signal in the middle of a bulk issue.
Each is one line and the README's exit code, and changes nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.cli import main
from tests.bot import serve_harness as harness
from tests.bot.cli.conftest import counts

OTHER_KEY = "another-code-key-" + "o" * 32


def _joanbot(env: dict[str, str], cwd: Path, *argv: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *argv],
        env={**os.environ, **env},
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_a_second_process_with_another_code_key_exits_2_naming_it_and_changes_nothing(joanbot, database_url, tmp_path):
    assert joanbot("accounts", "add", "acme", "Acme")[0] == 0  # the first key the database meets is its key
    before = counts(database_url)
    env = harness.environment(database_url, "http://127.0.0.1:9/api/", JOANBOT_CODE_KEY=OTHER_KEY)

    for argv in (("accounts", "add", "beta", "Beta"), ("serve",), ("db", "upgrade")):
        process = _joanbot(env, tmp_path, *argv)
        assert process.wait(timeout=60) == 2
        err = process.stderr.read().decode() if process.stderr else ""
        assert len(err.strip().splitlines()) == 1 and "JOANBOT_CODE_KEY" in err, err
    assert counts(database_url) == before
    assert joanbot("accounts")[0] == 0  # the right key still works


def test_version_prints_the_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == "joanbot 0.1.0"


@pytest.mark.parametrize(
    ("setting", "value", "named"),
    [
        ("JOANBOT_LOG_LEVEL", "LOUD", "JOANBOT_LOG_LEVEL"),
        ("JOANBOT_LOG_FORMAT", "xml", "JOANBOT_LOG_FORMAT"),
        ("JOANBOT_HOME", "{file}/home", "JOANBOT_HOME"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL"),
    ],
)
def test_a_bad_setting_is_one_line_and_exit_2_whatever_the_command(
    monkeypatch, tmp_path, capsys, setting, value, named
):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("JOANBOT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv(setting, value.format(file=blocker))
    for argv in (["accounts"], ["renewals", "acme"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and named in err and "Traceback" not in err


def _wait_for_our_handler(pid: int) -> None:
    """Until the process catches SIGTERM: its first statement, before any module of ours loads (earlier,
    the interpreter itself is starting, which no Python code can guard)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = Path(f"/proc/{pid}/status").read_text()
        caught = int(next(line for line in status.splitlines() if line.startswith("SigCgt:")).split()[1], 16)
        if caught & (1 << (signal.SIGTERM - 1)):
            return
        time.sleep(0.005)
    raise AssertionError("the process never installed its SIGTERM handler")


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_during_a_bulk_issue_cleans_up_as_ctrl_c_without_a_traceback(tmp_path, stop):
    home = tmp_path / "home"
    env = {"JOANBOT_HOME": str(home), "JOANBOT_OPERATOR": "ops", "DATABASE_URL": ""}
    assert _joanbot(env, tmp_path, "db", "upgrade").wait(timeout=60) == 0
    for delay in (0.0, 0.5, 2.0):  # while the modules load, while codes are made
        process = _joanbot(
            env, tmp_path, "codes", "issue", "desk", "standard", "5", "--count", "100000", "--csv", "codes.csv"
        )
        _wait_for_our_handler(process.pid)
        time.sleep(delay)
        process.send_signal(stop)
        code = process.wait(timeout=60)
        err = process.stderr.read().decode() if process.stderr else ""
        assert "Traceback" not in err
        if code != 0:  # stopped before the end: no file of codes, none half-written
            assert code == 1 and "aborted" in err, err
            assert not list(tmp_path.glob("*codes.csv*")), list(tmp_path.iterdir())
