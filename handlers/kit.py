"""Block Kit primitives as plain dicts, each clipped to Slack's limits so no builder can exceed them.

The one escaping boundary: every mrkdwn field and every message's fallback ``text`` passes through
``safe``, which escapes ``&``, ``<`` and ``>`` in any plain ``str`` (data, or text built from data), so a
builder cannot forget it. Markup meant as markup (a mention, a channel link) is a ``Mrkdwn`` made here by
``md``, ``mention`` or ``channel``, which escape the data they are given. Escaping is idempotent (an
existing ``&amp;``, ``&lt;`` or ``&gt;`` is kept), so text a builder escaped already is not escaped twice.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

Block = dict[str, Any]

# Slack's hard limits on Block Kit: a payload over any of them is refused with invalid_blocks.
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTIONS_ELEMENTS = 25
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_OPTIONS = 100
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_MODAL_TITLE = 24
MAX_PRIVATE_METADATA = 3000
MAX_LABEL = 2000
MAX_FALLBACK_TEXT = 3000
# Undocumented aggregate limit on a message's block text (msg_blocks_too_long near 13.2k): stay under it.
MESSAGE_TEXT_BUDGET = 11000
# A view may be 250 kB of JSON; non-ASCII text is escaped to 6 bytes a character, so keep to 30k characters.
VIEW_TEXT_BUDGET = 30000


_BARE_AMPERSAND = re.compile(r"&(?!(?:amp|lt|gt);)")
_CUT_ENTITY = re.compile(r"&[a-z]{0,3}…$")
_SLACK_ID = re.compile(r"^[A-Z0-9]{2,30}$")


class Mrkdwn(str):
    """mrkdwn whose markup is meant (its data already escaped): made only by ``md``, ``mention``, ``channel``."""

    __slots__ = ()


def clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    clipped = _CUT_ENTITY.sub("…", text[: limit - 1] + "…")  # never leave half an entity (a bare "&")
    return Mrkdwn(clipped) if isinstance(text, Mrkdwn) else clipped


def escape(text: str) -> Mrkdwn:
    """Text from people or the database, safe inside mrkdwn (no mentions, links or formatting tricks)."""
    return Mrkdwn(_BARE_AMPERSAND.sub("&amp;", str(text)).replace("<", "&lt;").replace(">", "&gt;"))


def safe(text: str) -> Mrkdwn:
    """``text`` as it may go into a mrkdwn field: a ``Mrkdwn`` as it is, anything else escaped."""
    return text if isinstance(text, Mrkdwn) else escape(text)


def md(template: str, *args: object, **kwargs: object) -> Mrkdwn:
    """``template`` (code, trusted) filled with data, each value escaped unless it is ``Mrkdwn`` already."""
    return Mrkdwn(template.format(*(_datum(a) for a in args), **{k: _datum(v) for k, v in kwargs.items()}))


def _datum(value: object) -> Mrkdwn:
    return safe(value if isinstance(value, str) else str(value))  # str() of a Mrkdwn would drop its type


def mention(user_id: str) -> Mrkdwn:
    return Mrkdwn(f"<@{user_id}>") if _SLACK_ID.match(user_id) else escape(user_id)


def channel(channel_id: str) -> Mrkdwn:
    return Mrkdwn(f"<#{channel_id}>") if _SLACK_ID.match(channel_id) else escape(channel_id)


def plain(text: str, limit: int = MAX_SECTION_TEXT) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(str(text), limit), "emoji": True}


def mrkdwn(text: str, limit: int = MAX_SECTION_TEXT) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": str(clip(safe(text), limit))}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, MAX_HEADER_TEXT)}


def section(text: str, *, accessory: Block | None = None, block_id: str | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if accessory is not None:
        block["accessory"] = accessory
    if block_id is not None:
        block["block_id"] = block_id
    return block


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(t, 2000) for t in texts[:MAX_CONTEXT_ELEMENTS]]}


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str = "", *, style: str | None = None) -> Block:
    if len(value) > MAX_BUTTON_VALUE:
        raise ValueError(f"button value of {len(value)} characters is over Slack's {MAX_BUTTON_VALUE}")
    element: Block = {"type": "button", "text": plain(text, MAX_BUTTON_TEXT), "action_id": action_id}
    if value:
        element["value"] = value
    if style:
        element["style"] = style
    return element


def actions(*elements: Block, block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements[:MAX_ACTIONS_ELEMENTS])}
    if block_id:
        block["block_id"] = block_id
    return block


def option(text: str, value: str, description: str | None = None) -> Block:
    if len(value) > MAX_OPTION_VALUE:
        raise ValueError(f"option value {value[:20]!r}… is over Slack's {MAX_OPTION_VALUE} characters")
    built: Block = {"text": plain(text, MAX_OPTION_TEXT), "value": value}
    if description:
        built["description"] = plain(description, MAX_OPTION_TEXT)
    return built


def text_sections(lines: Sequence[str], *, max_blocks: int, budget: int, more: str = "…and {n} more.") -> list[Block]:
    """``lines`` as few sections as possible, within ``max_blocks`` blocks and ``budget`` characters in all.

    What does not fit is counted in a last line (``more`` with ``{n}``), so nothing is dropped silently.
    """
    blocks: list[Block] = []
    current: list[str] = []
    used = 0
    reserve = len(more) + 12
    for index, given in enumerate(lines):
        line = Mrkdwn(clip(safe(given), MAX_SECTION_TEXT - reserve))  # escaped once here; markup kept
        size = len(line) + 1
        starts_block = not current or sum(len(c) + 1 for c in current) + size > MAX_SECTION_TEXT - reserve
        if used + size > budget - reserve or (starts_block and len(blocks) + 1 >= max_blocks):
            current.append(safe(more.format(n=len(lines) - index)))
            break
        if starts_block and current:
            blocks.append(section(Mrkdwn("\n".join(current))))
            current = []
        current.append(line)
        used += size
    if current:
        blocks.append(section(Mrkdwn("\n".join(current))))
    return blocks


def modal(
    title: str,
    blocks: Iterable[Block],
    *,
    callback_id: str,
    submit: str | None = None,
    close: str = "Close",
    metadata: dict[str, Any] | str | None = None,
) -> Block:
    """A modal view; ``metadata`` comes back in ``private_metadata`` (a string is sent as it is)."""
    view: Block = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, MAX_MODAL_TITLE),
        "close": plain(close, MAX_MODAL_TITLE),
        "blocks": list(blocks)[:MAX_VIEW_BLOCKS],
    }
    if submit:
        view["submit"] = plain(submit, MAX_MODAL_TITLE)
    if metadata is not None:
        encoded = metadata if isinstance(metadata, str) else json.dumps(metadata, separators=(",", ":"))
        if len(encoded) > MAX_PRIVATE_METADATA:
            raise ValueError("private_metadata is over Slack's 3000 characters")
        view["private_metadata"] = encoded
    return view


def message(text: str, blocks: list[Block]) -> dict[str, Any]:
    """A message body: the notification/fallback ``text`` plus at most 50 blocks."""
    return {"text": fallback(text), "blocks": blocks[:MAX_MESSAGE_BLOCKS]}


def fallback(text: str) -> str:
    """A message's top-level ``text`` (Slack reads it as mrkdwn too: notifications, screen readers)."""
    return str(clip(safe(text), MAX_FALLBACK_TEXT))
