"""``joanbot demo``: the whole product on a throwaway SQLite database, through the real Bolt app, against
the built-in stand-in for Slack's Web API, printed as a transcript.

A vendor admin sets up a reseller, its customer and the reseller's shared channel; sales issues a code; a
reseller member redeems it (preview, then Confirm) and reads the renewal breakdown. Then the calendar moves
on to 45, 30, 14 and 7 days before the renewal date and past it, running the daily sweep each time and
printing every message the bot posts; finally the reseller renews late and the alert resolves in place.
Then the worked examples' card and credits customers, through the ops CLI (``demo_money``).
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import click

from billing import CODE_SHAPED, format_date, operator
from bot.clock import SimulatedClock
from bot.runtime import Runtime
from bot.sandbox.demo_money import MoneyDemo
from bot.sandbox.driver import HOME, InlineExecutor, Response, SlackDriver
from bot.sandbox.mailbox import LocalMailbox, readable_email
from bot.sandbox.portal import portal_act
from bot.sandbox.standin import SlackStandIn
from bot.scheduler import run_sweep
from bot.server import SlackEndpoint
from bot.settings import MailSettings, Settings, SlackSettings
from handlers import ids
from mail.smtp import SmtpTarget

SECRET = "demo-signing-secret-not-a-real-one"  # noqa: S105  (signs the demo's own requests to itself)
ADMIN, NORTH_TEAM, NORTH_USER, CHANNEL, SALES = "UADMIN", "TNORTH", "UNORTH1", "CNORTHSHARED", "CSALES"
Echo = Callable[[str], None]


EMOJI = {":white_check_mark:": "✔", ":rotating_light:": "(!)", ":warning:": "(!)", ":eyes:": "(seen)"}


def _plain(text: str) -> str:
    for name, symbol in EMOJI.items():
        text = text.replace(name, symbol)
    text = re.sub(r"<@(\w+)>", r"@\1", text)
    text = re.sub(r"<#(\w+)>", r"#\1", text)
    return text.replace("*", "").replace("`", "").replace("_", "")


def readable(message: dict[str, Any]) -> str:
    """Block Kit as a person would read it in Slack, roughly."""
    blocks = message.get("blocks")
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    if not blocks:
        return _plain(str(message.get("text", "")))
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            lines.append(f"== {block['text']['text']} ==")
        elif kind == "section":
            if block.get("text"):
                lines.append(_plain(block["text"]["text"]))
            lines += [_plain(f["text"]) for f in block.get("fields", [])]
        elif kind == "context":
            lines.append("   " + " ".join(_plain(e.get("text", "")) for e in block.get("elements", [])))
        elif kind == "actions":
            lines.append(
                "   "
                + " ".join(f"[{e['text']['text']}]" for e in block.get("elements", []) if e.get("type") == "button")
            )
    return "\n".join(line for line in lines if line.strip())


def _button_value(message: dict[str, Any], action_id: str) -> str:
    for block in message.get("blocks", []):
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return str(element.get("value", ""))
    raise LookupError(f"no {action_id} button in the reply")


def _replies(response: Response) -> list[dict[str, Any]]:
    found = [c.body for c in response.to("response_url")]
    if response.text.strip().startswith("{"):
        found.insert(0, response.json)
    return found


class Demo:
    def __init__(self, home: Path, echo: Echo) -> None:
        self.echo = echo
        self.standin = SlackStandIn().start()
        self.mailbox = LocalMailbox().start()
        self.clock = SimulatedClock(datetime.now(UTC).replace(microsecond=0))
        self.runtime = Runtime(
            settings=Settings.from_env({"JOANBOT_HOME": str(home)}),
            slack=SlackSettings.from_env(
                {
                    "SLACK_BOT_TOKEN": "xoxb-demo",
                    "SLACK_SIGNING_SECRET": SECRET,
                    "SLACK_API_URL": self.standin.url,
                    "JOANBOT_ADMINS": ADMIN,
                    "JOANBOT_SALES_CHANNEL": SALES,
                }
            ),
            clock=self.clock,
            listener_executor=InlineExecutor(),
            mail=MailSettings(SmtpTarget("127.0.0.1", self.mailbox.port, False), "renewals@vendor.example", 6000),
        )
        self.billing = self.runtime.billing
        self.slack = SlackDriver(SlackEndpoint(self.runtime.app, signing_secret=SECRET), self.standin, secret=SECRET)
        self.poster = self.runtime.poster()
        self.mailer = self.runtime.mailer()

    def close(self) -> None:
        self.standin.stop()
        self.mailbox.stop()
        self.runtime.close()

    def say(self, who: str, text: str, **kwargs: Any) -> list[dict[str, Any]]:
        self.echo(click.style(f"\n{who} types: /joan {text}", bold=True))
        replies = _replies(self.slack.command(text, **kwargs))
        for reply in replies:
            self.echo(_indent(readable(reply)))
        return replies

    def click(self, who: str, label: str, action_id: str, value: str, **kwargs: Any) -> list[dict[str, Any]]:
        self.echo(click.style(f"\n{who} clicks [{label}]", bold=True))
        replies = _replies(self.slack.click(action_id, value, **kwargs))
        for reply in replies:
            self.echo(_indent(readable(reply)))
        return replies

    def day(self, when: date, title: str) -> None:
        self.clock.now = datetime.combine(when, time(8, 0), UTC)
        posted, edited = len(self.standin.posted()), len(self.standin.calls_to("chat.update"))
        self.echo(click.style(f"\n--- {format_date(when)}: {title} ---", fg="cyan", bold=True))
        run_sweep(self.billing, now=self.clock.now, sales_channel=SALES, email=True)  # its summary is for the log
        emailed = len(self.mailbox.messages)
        if self.mailer is not None:
            self.mailer.drain(sleep=self.clock.sleep)
        for sent in self.mailbox.messages[emailed:]:
            self.echo("   The bot emails (through the local SMTP server):")
            self.echo(_indent(readable_email(sent), 6))
        self.poster.drain(sleep=self.clock.sleep)
        for message in self.standin.posted()[posted:]:
            self.echo(f"   The bot posts in #{message.channel}:")
            self.echo(_indent(readable({"text": message.text, "blocks": message.blocks}), 6))
        for call in self.standin.calls_to("chat.update")[edited:]:
            self.echo(f"   The bot edits its earlier message in #{call.body.get('channel')}:")
            self.echo(_indent(readable(call.body), 6))

    def run(self) -> None:
        echo, admin, member = self.echo, {"user_id": ADMIN, "team": HOME}, {"user_id": NORTH_USER, "team": NORTH_TEAM}
        echo(
            click.style(
                "joanbot demo: a throwaway database and a stand-in for Slack; nothing leaves this machine.", fg="green"
            )
        )
        echo("Ana (UADMIN) is a vendor admin; Rob (UNORTH1) works at the reseller Northwind, in its own Slack org.")
        self.say("Ana", "reseller new northwind Northwind Resellers team=TNORTH", **admin)
        self.say("Ana", "account new acme Acme Inc reseller=northwind tz=Europe/Ljubljana", **admin)
        self.say("Ana", "reseller link northwind", channel=CHANNEL, **admin)
        self.say("Ana", "reseller set northwind email=renewals@northwind.example", **admin)
        self.say("Ana", "account set acme email=it@acme.example", **admin)
        for message in self.standin.posted(CHANNEL):
            echo(f"   The bot posts in #{CHANNEL}:\n" + _indent(readable({"blocks": message.blocks}), 6))
        issued = self.say("Ana", "code issue room professional 10 years=1 reseller=northwind ref=PI-2026-001", **admin)
        code = CODE_SHAPED.search(json.dumps(issued)).group(0)  # type: ignore[union-attr]
        echo("   (Ana sends the code to Rob.)")
        preview = self.say("Rob", f"redeem {code} acme", channel=CHANNEL, **member)
        self.click(
            "Rob",
            "Confirm",
            ids.ACTION_REDEEM_CONFIRM,
            _button_value(preview[-1], ids.ACTION_REDEEM_CONFIRM),
            channel=CHANNEL,
            **member,
        )
        self.say("Rob", "renewals acme", channel=CHANNEL, **member)

        (cohort,) = self.billing.licenses.cohorts(account="acme", actor=operator("demo"))
        renews = cohort.ends_on
        for days, title in (
            (45, "45 days before renewal"),
            (30, "30 days before"),
            (14, "14 days before"),
            (7, "7 days before"),
            (0, "the renewal date passes without a renewal"),
        ):
            self.day(renews - timedelta(days=days), title)
        self.clock.now = datetime.combine(renews + timedelta(days=2), time(9), UTC)
        renewal = self.say("Ana", "code issue room professional 10 years=1 reseller=northwind ref=PI-2027-001", **admin)
        code = CODE_SHAPED.search(json.dumps(renewal)).group(0)  # type: ignore[union-attr]
        preview = self.say("Rob", f"redeem {code} acme renews={cohort.id}", channel=CHANNEL, **member)
        self.click(
            "Rob",
            "Confirm",
            ids.ACTION_REDEEM_CONFIRM,
            _button_value(preview[-1], ids.ACTION_REDEEM_CONFIRM),
            channel=CHANNEL,
            **member,
        )
        self.day(renews + timedelta(days=2), "renewed late: the alert resolves itself")
        portal_act(self.billing, self.clock, echo, lambda title: self.day(self.clock.now.date(), title))
        MoneyDemo(self.runtime, self.clock, echo).run()
        echo(click.style("\nThat was everything.", fg="green"))


def _indent(text: str, width: int = 3) -> str:
    return "\n".join(" " * width + line for line in text.splitlines())


def run_demo(echo: Echo = click.echo) -> int:
    with tempfile.TemporaryDirectory(prefix="joanbot-demo-") as home:
        demo = Demo(Path(home), echo)
        try:
            demo.run()
        finally:
            demo.close()
    return 0
