"""JOANBOT_SMTP_URL, JOANBOT_MAIL_FROM and JOANBOT_SMTP_PER_MINUTE: email is off unless set, and bad values
are refused by name."""

import pytest

from bot.settings import MailSettings, SettingsError


def test_without_an_smtp_url_email_is_off():
    assert MailSettings.from_env({}).enabled is False


def test_smtp_url_with_quoted_credentials_and_default_starttls_port():
    mail = MailSettings.from_env(
        {"JOANBOT_SMTP_URL": "smtp://bot%40vendor:p%3Ass@mail.example", "JOANBOT_MAIL_FROM": "r@vendor.example"}
    )

    assert mail.target is not None
    assert (mail.target.host, mail.target.port, mail.target.implicit_tls) == ("mail.example", 587, False)
    assert (mail.target.user, mail.target.password) == ("bot@vendor", "p:ss")
    assert "p:ss" not in repr(mail) and "p:ss" not in repr(mail.target)


def test_smtps_url_means_tls_from_the_start_on_port_465():
    mail = MailSettings.from_env({"JOANBOT_SMTP_URL": "smtps://mail.example", "JOANBOT_MAIL_FROM": "r@vendor.example"})

    assert mail.target is not None and (mail.target.port, mail.target.implicit_tls) == (465, True)


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"JOANBOT_SMTP_URL": "http://mail.example", "JOANBOT_MAIL_FROM": "r@v.example"}, "JOANBOT_SMTP_URL"),
        ({"JOANBOT_SMTP_URL": "smtp://mail.example"}, "JOANBOT_MAIL_FROM"),
        ({"JOANBOT_SMTP_URL": "smtp://mail.example", "JOANBOT_MAIL_FROM": "nobody"}, "JOANBOT_MAIL_FROM"),
        (
            {
                "JOANBOT_SMTP_URL": "smtp://m.example",
                "JOANBOT_MAIL_FROM": "r@v.example",
                "JOANBOT_SMTP_PER_MINUTE": "0",
            },
            "JOANBOT_SMTP_PER_MINUTE",
        ),
    ],
)
def test_a_bad_mail_setting_is_refused_by_name(environ, named):
    with pytest.raises(SettingsError, match=named):
        MailSettings.from_env(environ)
