"""``joanbot demo`` also runs a local SMTP server and prints each reminder email beside the Slack posts."""

from bot.sandbox.demo import run_demo


def test_the_demo_prints_each_reminder_email_to_the_customer_and_to_the_reseller(tmp_path):
    lines: list[str] = []
    assert run_demo(lines.append, chart_dir=tmp_path) == 0
    transcript = "\n".join(lines)

    assert transcript.count("The bot emails (through the local SMTP server):") == 8  # 4 reminders x 2 lists
    assert transcript.count("To: it@acme.example") == 4 and transcript.count("To: renewals@northwind.example") == 4
    assert "please contact Northwind Resellers" in transcript
    assert "Reminder emails for Acme Inc now go to it@acme.example." in transcript
