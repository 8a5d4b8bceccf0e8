import pytest

from bot.settings import Settings, SettingsError

KEY = "k" * 40


def _env(tmp_path, **extra):
    return {"JOANBOT_HOME": str(tmp_path), "JOANBOT_CODE_KEY": KEY, **extra}


def test_proration_is_by_months_unless_joanbot_proration_says_days(tmp_path):
    assert Settings.from_env(_env(tmp_path)).proration == "months"
    assert Settings.from_env(_env(tmp_path, JOANBOT_PRORATION="days")).proration == "days"


def test_a_bad_proration_policy_fails_at_start_naming_the_variable(tmp_path):
    with pytest.raises(SettingsError, match="JOANBOT_PRORATION"):
        Settings.from_env(_env(tmp_path, JOANBOT_PRORATION="seconds"))
