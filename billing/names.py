"""Slugs and display names shared by accounts and resellers: how they are checked."""

from __future__ import annotations

import re

from billing.errors import Conflict, InvalidInput

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
MAX_NAME = 200


class InvalidSlug(InvalidInput):
    code = "invalid_slug"


class InvalidName(InvalidInput):
    code = "invalid_name"


class SlugTaken(Conflict):
    code = "slug_taken"


def check_slug(text: str, what: str = "slug") -> str:
    slug = text.strip().lower()
    if not SLUG.match(slug):
        raise InvalidSlug(f"{what} {text!r} must be 2-40 lower-case letters, digits or hyphens, like 'acme'", slug=text)
    return slug


def check_name(text: str) -> str:
    name = " ".join(text.split())
    if not name or len(name) > MAX_NAME:
        raise InvalidName(f"a name must be 1 to {MAX_NAME} characters")
    return name
