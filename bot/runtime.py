"""The one place the running product is assembled: settings, database, billing core, Bolt app, background
work and clock, for ``joanbot serve``, the demo and the CLI alike.

Every part is built on first use, so ``joanbot --help`` touches no database and the CLI never reads the
Slack settings unless a command posts.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Executor
from datetime import UTC, datetime, timedelta
from functools import cached_property

from slack_bolt import App
from slack_sdk import WebClient

import migrations
from billing import Billing, BillingSettings, Database, KeyCheck, deployment
from bot.app import build_app
from bot.clock import Clock, SystemClock
from bot.scheduler import Background
from bot.settings import MailSettings, Settings, SettingsError, SlackSettings
from handlers.outbound.poster import Poster, posting_client
from mail.sender import Mailer
from mail.smtp import SmtpTransport

KEY_MISMATCH = (
    "JOANBOT_CODE_KEY is not the key this database's codes were made with (its fingerprint differs): "
    "start with the database's own key; nothing was changed"
)


def open_billing(settings: Settings, *, migrate: bool = True, now: datetime | None = None) -> Billing:
    """The billing core on the configured database, migrated to the newest schema (idempotent), once the
    code key is known to be the database's (a database without a fingerprint takes this key's)."""
    db = Database.from_url(settings.database_url)
    if deployment.check(db.engine, settings.code_key) is KeyCheck.MISMATCH:
        db.dispose()
        raise SettingsError(KEY_MISMATCH)
    if migrate:
        migrations.upgrade(db.engine)
        if deployment.claim(db, settings.code_key, now=now or datetime.now(UTC)) is KeyCheck.MISMATCH:
            db.dispose()
            raise SettingsError(KEY_MISMATCH)
    billing = Billing(
        db,
        key=settings.code_key,
        settings=BillingSettings(
            default_time_zone=settings.time_zone,
            default_currency=settings.currency,
            proration=settings.proration,
            outbox_lease=timedelta(seconds=settings.post_lease_seconds),
            max_credit_code=settings.max_credit_code,
        ),
    )
    if migrate:
        billing.catalog.ensure_default()
    return billing


class Runtime:
    """The product's parts, each built once, when first asked for. Settings not given are read from
    ``environ`` (the process environment by default); a missing or bad one raises ``SettingsError`` then."""

    def __init__(
        self,
        *,
        settings: Settings | None = None,
        slack: SlackSettings | None = None,
        clock: Clock | None = None,
        environ: Mapping[str, str] | None = None,
        billing: Billing | None = None,
        client: WebClient | None = None,
        listener_executor: Executor | None = None,
        mail: MailSettings | None = None,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self._environ = environ
        self._given_settings, self._given_slack, self._given_billing = settings, slack, billing
        self._client, self._listener_executor = client, listener_executor
        self._given_mail = mail

    @cached_property
    def settings(self) -> Settings:
        return self._given_settings or Settings.from_env(self._environ)

    @cached_property
    def slack(self) -> SlackSettings:
        return self._given_slack or SlackSettings.from_env(self._environ)

    @cached_property
    def mail(self) -> MailSettings:
        return self._given_mail or MailSettings.from_env(self._environ)

    def mailer(self, *, clock: Clock | None = None) -> Mailer | None:
        """A mailer on the SMTP settings, or None when email is off (no JOANBOT_SMTP_URL)."""
        if self.mail.target is None:
            return None
        try:
            sales_channel = self.slack.sales_channel
        except SettingsError:
            sales_channel = None  # failures wait in the outbox until a sweep that knows the channel
        return Mailer(
            self.billing,
            SmtpTransport(self.mail.target),
            sender=self.mail.sender,
            clock=clock or self.clock,
            per_minute=self.mail.per_minute,
            sales_channel=sales_channel,
        )

    @cached_property
    def billing(self) -> Billing:
        return self._given_billing or open_billing(self.settings, now=self.clock())

    @cached_property
    def app(self) -> App:
        return build_app(
            self.slack, self.billing, client=self._client, clock=self.clock, listener_executor=self._listener_executor
        )

    def poster(self, *, clock: Clock | None = None) -> Poster:
        """A poster on the Slack settings' token and API URL, reading ``clock`` (default: the runtime's)."""
        client = posting_client(self.slack.bot_token, self.slack.api_url)
        return Poster(self.billing, client, clock=clock or self.clock)

    @cached_property
    def background(self) -> Background:
        return Background(
            self.billing,
            self.poster(),
            sales_channel=self.slack.sales_channel,
            clock=self.clock,
            mailer=self.mailer(),
        )

    def close(self) -> None:
        """Release the database connections, if the database was opened."""
        if "billing" in self.__dict__:
            self.billing.db.dispose()
