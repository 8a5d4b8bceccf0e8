"""Settings, read from the environment once, in one place. A missing or bad value fails fast, by name."""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

from billing import (
    CURRENCIES,
    DEFAULT_MAX_CREDIT_CODE,
    DEFAULT_POLICY,
    KEY_MIN_BYTES,
    POLICIES,
    CodeKey,
    InvalidInput,
    ProrationPolicy,
    policy_named,
    zone,
)
from mail.smtp import SmtpTarget, SmtpUrlError


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the variable."""


def default_home() -> Path:
    return Path(platformdirs.user_data_dir("joanbot", appauthor=False))


@dataclass(frozen=True)
class Settings:
    database_url: str
    code_key: CodeKey = field(repr=False)
    home: Path
    time_zone: str = "UTC"
    currency: str = "USD"
    proration: ProrationPolicy = DEFAULT_POLICY
    post_lease_seconds: int = 120
    max_credit_code: int = DEFAULT_MAX_CREDIT_CODE
    embedded: bool = False  # no DATABASE_URL: the SQLite file under ``home``

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        home = Path(env.get("JOANBOT_HOME") or default_home()).expanduser()
        url = env.get("DATABASE_URL", "").strip()
        embedded = not url
        if embedded:
            _make_home(home)
            url = f"sqlite:///{home / 'joanbot.db'}"
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise SettingsError(f"DATABASE_URL is not a database URL: {url!r}") from None
        if parsed.get_backend_name() not in ("sqlite", "postgresql"):
            raise SettingsError("DATABASE_URL must be a sqlite:/// or postgresql+psycopg:// URL")
        if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
            url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
        time_zone = env.get("JOANBOT_TIME_ZONE", "UTC")
        try:
            zone(time_zone)
        except InvalidInput:
            raise SettingsError(f"JOANBOT_TIME_ZONE is not a time zone: {time_zone!r}") from None
        currency = env.get("JOANBOT_CURRENCY", "USD").upper()
        if currency not in CURRENCIES:
            raise SettingsError(f"JOANBOT_CURRENCY must be one of {', '.join(sorted(CURRENCIES))}")
        proration_name = env.get("JOANBOT_PRORATION", DEFAULT_POLICY)
        try:
            proration = policy_named(proration_name)
        except InvalidInput:
            raise SettingsError(
                f"JOANBOT_PRORATION must be one of {', '.join(POLICIES)}, not {proration_name!r}"
            ) from None
        lease_text = env.get("JOANBOT_POST_LEASE_SECONDS", "120").strip()
        if not lease_text.isdigit() or not 1 <= int(lease_text) <= 3600:
            raise SettingsError(f"JOANBOT_POST_LEASE_SECONDS must be a number of seconds (1-3600), not {lease_text!r}")
        return cls(
            post_lease_seconds=int(lease_text),
            max_credit_code=_max_credit_code(env),
            database_url=url,
            proration=proration,
            code_key=_code_key(env, parsed.get_backend_name(), parsed.database, home),
            home=home,
            time_zone=time_zone,
            currency=currency,
            embedded=embedded,
        )


def _make_home(home: Path) -> None:
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise SettingsError(
            f"JOANBOT_HOME cannot be created or used: {home} ({error.strerror or type(error).__name__})"
        ) from None


def _max_credit_code(env: Mapping[str, str]) -> int:
    text = env.get("JOANBOT_MAX_CREDIT_CODE", str(DEFAULT_MAX_CREDIT_CODE)).strip().replace(",", "").replace("_", "")
    if not text.isdigit() or not 1 <= int(text) <= 10**9:
        raise SettingsError(
            f"JOANBOT_MAX_CREDIT_CODE must be a whole amount (1 to 1,000,000,000) one credit code may be worth, "
            f"not {text!r}"
        )
    return int(text)


def _code_key(env: Mapping[str, str], backend: str, database: str | None, home: Path) -> CodeKey:
    """The deployment secret behind code digests: JOANBOT_CODE_KEY, or on SQLite a key file beside the
    database, generated once. Losing it makes every unredeemed code unredeemable."""
    given = env.get("JOANBOT_CODE_KEY", "").strip()
    if given:
        if len(given.encode()) < KEY_MIN_BYTES:
            raise SettingsError(f"JOANBOT_CODE_KEY must be at least {KEY_MIN_BYTES} characters")
        return CodeKey(given.encode())
    if backend != "sqlite" or not database or database == ":memory:":
        raise SettingsError(
            "JOANBOT_CODE_KEY is required with PostgreSQL (every instance must share it); generate one with "
            "python -c 'import secrets; print(secrets.token_hex(32))'"
        )
    key_file = Path(database).with_suffix(".key") if database else home / "joanbot.key"
    if not key_file.exists():
        _make_home(key_file.parent)
        try:
            with os.fdopen(os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as handle:
                handle.write(secrets.token_hex(32))
        except FileExistsError:
            pass  # another process created it first: use theirs
    text = key_file.read_text().strip()
    if len(text.encode()) < KEY_MIN_BYTES:
        raise SettingsError(f"the code key file {key_file} is damaged (shorter than {KEY_MIN_BYTES} characters)")
    return CodeKey(text.encode())


DEFAULT_SLACK_API_URL = "https://slack.com/api/"


@dataclass(frozen=True)
class SlackSettings:
    """What the Slack bot needs beyond the billing core's settings. Secrets stay out of ``repr``."""

    bot_token: str = field(repr=False)
    signing_secret: str | None = field(repr=False)
    app_token: str | None = field(repr=False)
    api_url: str = DEFAULT_SLACK_API_URL
    admins: frozenset[str] = frozenset()
    sales_channel: str | None = None
    port: int = 3000

    @property
    def socket_mode(self) -> bool:
        return self.app_token is not None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SlackSettings:
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            return env.get(name, "").strip() or None

        bot_token = get("SLACK_BOT_TOKEN")
        if bot_token is None:
            raise SettingsError("SLACK_BOT_TOKEN is not set: the bot token (xoxb-...) from the app's install page")
        if not bot_token.startswith("xoxb-"):
            raise SettingsError("SLACK_BOT_TOKEN must be a bot token starting with xoxb-")
        app_token = get("SLACK_APP_TOKEN")
        if app_token is not None and not app_token.startswith("xapp-"):
            raise SettingsError("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
        signing_secret = get("SLACK_SIGNING_SECRET")
        if app_token is None and signing_secret is None:
            raise SettingsError(
                "SLACK_SIGNING_SECRET is not set: HTTP mode (no SLACK_APP_TOKEN) verifies every request with it"
            )
        api_url = get("SLACK_API_URL") or DEFAULT_SLACK_API_URL
        if not api_url.startswith(("https://", "http://")):
            raise SettingsError(f"SLACK_API_URL must be an http(s) URL, not {api_url!r}")
        admins = frozenset(a.strip() for a in (get("JOANBOT_ADMINS") or "").split(",") if a.strip())
        bad = sorted(a for a in admins if not (a[:1] in ("U", "W") and a.isalnum() and a.isupper()))
        if bad:
            raise SettingsError(f"JOANBOT_ADMINS must list Slack user ids like U012ABCDEF, not {bad[0]!r}")
        port_text = get("PORT") or "3000"
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise SettingsError(f"PORT must be a TCP port number, not {port_text!r}")
        return cls(
            bot_token=bot_token,
            signing_secret=signing_secret,
            app_token=app_token,
            api_url=api_url if api_url.endswith("/") else api_url + "/",
            admins=admins,
            sales_channel=get("JOANBOT_SALES_CHANNEL"),
            port=int(port_text),
        )


@dataclass(frozen=True)
class MailSettings:
    """Reminder emails: off (``target`` None) unless JOANBOT_SMTP_URL is set. The password stays out of repr."""

    target: SmtpTarget | None = field(default=None, repr=False)
    sender: str = ""
    per_minute: int = 60

    @property
    def enabled(self) -> bool:
        return self.target is not None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> MailSettings:
        env = os.environ if environ is None else environ
        url = env.get("JOANBOT_SMTP_URL", "").strip()
        if not url:
            return cls()
        try:
            target = SmtpTarget.from_url(url)
        except SmtpUrlError as error:
            raise SettingsError(str(error)) from None
        sender = env.get("JOANBOT_MAIL_FROM", "").strip()
        if not sender:
            raise SettingsError("JOANBOT_MAIL_FROM is not set: the From address of reminder emails")
        try:
            sender = validate_email(sender, check_deliverability=False).normalized
        except EmailNotValidError:
            raise SettingsError(f"JOANBOT_MAIL_FROM is not an email address: {sender!r}") from None
        rate = env.get("JOANBOT_SMTP_PER_MINUTE", "60").strip()
        if not rate.isdigit() or not 1 <= int(rate) <= 10_000:
            raise SettingsError(f"JOANBOT_SMTP_PER_MINUTE must be a number of emails a minute (1-10000), not {rate!r}")
        return cls(target=target, sender=sender, per_minute=int(rate))


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")


@dataclass(frozen=True)
class LogSettings:
    level: str = "WARNING"
    format: str = "text"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *, default_level: str = "WARNING") -> LogSettings:
        env = os.environ if environ is None else environ
        level = (env.get("JOANBOT_LOG_LEVEL", "").strip() or default_level).upper()
        if level not in LOG_LEVELS:
            raise SettingsError(f"JOANBOT_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {level!r}")
        form = (env.get("JOANBOT_LOG_FORMAT", "").strip() or "text").lower()
        if form not in LOG_FORMATS:
            raise SettingsError(f"JOANBOT_LOG_FORMAT must be text or json, not {form!r}")
        return cls(level=level, format=form)


@dataclass(frozen=True)
class ServerSettings:
    """How ``joanbot serve`` listens and stops: the address, the metrics port, the shutdown grace."""

    bind: str = "0.0.0.0"  # noqa: S104 (a container or a host behind a load balancer)
    shutdown_seconds: int = 20
    metrics_port: int | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ServerSettings:
        env = os.environ if environ is None else environ
        bind = env.get("JOANBOT_BIND", "").strip() or cls.bind
        try:
            ipaddress.ip_address(bind)
        except ValueError:
            if not _HOSTNAME.fullmatch(bind):
                raise SettingsError(f"JOANBOT_BIND must be an IP address or a host name, not {bind!r}") from None
        grace = env.get("JOANBOT_SHUTDOWN_SECONDS", "").strip() or str(cls.shutdown_seconds)
        if not grace.isdigit() or not 1 <= int(grace) <= 3600:
            raise SettingsError(f"JOANBOT_SHUTDOWN_SECONDS must be a number of seconds (1-3600), not {grace!r}")
        metrics = env.get("JOANBOT_METRICS_PORT", "").strip() or None
        if metrics is not None and not (metrics.isdigit() and 0 < int(metrics) < 65536):
            raise SettingsError(f"JOANBOT_METRICS_PORT must be a TCP port number, not {metrics!r}")
        return cls(bind=bind, shutdown_seconds=int(grace), metrics_port=int(metrics) if metrics else None)


_HOSTNAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]{0,252})")
