"""How counts read in every door's sentences: ``1 code``, ``5,000 codes``."""

from __future__ import annotations


def plural(count: int, noun: str, many: str | None = None) -> str:
    return f"{count:,} {noun if count == 1 else many or noun + 's'}"
