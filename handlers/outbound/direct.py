"""Sending things that are not replies: the codes file in the issuer's DM, the panel in a linked channel."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from billing import IssuedBatch, ResellerView
from handlers import blocks

log = logging.getLogger("joanbot.slack")

# The channel cannot take our post: the bot is not in it, or it is gone. Anything else is a real failure.
UNPOSTABLE = {"not_in_channel", "channel_not_found", "is_archived"}


def send_codes_file(client: WebClient, user_id: str, batch: IssuedBatch) -> bool:
    """Many codes go as a CSV file into the issuer's own DM with the bot, never into a channel."""
    if len(batch.codes) <= blocks.CODES_SHOWN_INLINE:
        return False
    opened = client.conversations_open(users=user_id)
    dm = opened["channel"]["id"]
    client.files_upload_v2(
        channel=dm,
        content=blocks.issued_file(batch),
        filename=f"codes-{batch.batch[:8]}.csv",
        title=f"{len(batch.codes)} codes: {batch.template.summary()}",
        initial_comment="Your new codes. They are shown only here; keep the file safe.",
    )
    return True


def post_panel(
    client: WebClient, channel: str, reseller: ResellerView, *, existing_ts: str | None = None
) -> str | None:
    """Post the reseller panel into ``channel`` (or bring the one already there up to date); its ts, or None
    when the bot cannot post there."""
    panel = blocks.panel_message(reseller)
    if existing_ts is not None:
        try:
            client.chat_update(channel=channel, ts=existing_ts, **panel)
            return existing_ts
        except SlackApiError as error:
            log.info(
                "panel %s in %s not updated (%s): posting a new one", existing_ts, channel, error.response.get("error")
            )
    try:
        posted = client.chat_postMessage(channel=channel, **panel)
    except SlackApiError as error:
        if error.response.get("error") in UNPOSTABLE:
            log.info("cannot post the panel in %s: %s", channel, error.response.get("error"))
            return None
        raise
    return str(posted["ts"])
