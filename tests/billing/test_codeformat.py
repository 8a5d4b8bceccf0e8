import itertools
import json
import re

import pytest

from billing import codeformat
from billing.codeformat import ALPHABET, CodeKey, MalformedCode, MistypedCode


def test_a_new_code_has_five_groups_of_five_plain_symbols():
    grouped = codeformat.grouped(codeformat.generate())
    groups = grouped.split("-")
    assert [len(group) for group in groups] == [5, 5, 5, 5, 5]
    assert all(symbol in ALPHABET for symbol in "".join(groups))


def test_codes_are_unique_across_many_draws():
    assert len({codeformat.generate() for _ in range(20_000)}) == 20_000


def test_input_is_forgiving_about_case_hyphens_spaces_lookalikes_and_slack_formatting():
    canonical = codeformat.generate()
    grouped = codeformat.grouped(canonical)
    variants = [
        grouped.lower(),
        canonical,
        " ".join(grouped.split("-")),
        f"`{grouped}`",
        f"*{grouped}*",
        f"_{grouped}_ ",
        f"\u200b{grouped}\u200b",
        grouped.replace("0", "O").replace("1", "l"),
    ]
    for variant in variants:
        assert codeformat.normalize(variant) == canonical, variant


def test_every_single_substitution_is_caught_by_the_check_symbol():
    canonical = codeformat.generate()
    for position, replacement in itertools.product(range(len(canonical)), ALPHABET):
        if canonical[position] == replacement:
            continue
        typo = canonical[:position] + replacement + canonical[position + 1 :]
        with pytest.raises(MistypedCode):
            codeformat.normalize(typo)


def test_every_adjacent_transposition_is_caught_by_the_check_symbol():
    canonical = codeformat.generate()
    for position in range(len(canonical) - 1):
        a, b = canonical[position], canonical[position + 1]
        if a == b:
            continue
        swapped = canonical[:position] + b + a + canonical[position + 2 :]
        with pytest.raises(MistypedCode):
            codeformat.normalize(swapped)


@pytest.mark.parametrize("text", ["", "ABCD", "U" * 25, "A" * 26, "!!!!!-!!!!!-!!!!!-!!!!!-!!!!!"])
def test_malformed_text_is_not_a_code(text):
    with pytest.raises(MalformedCode):
        codeformat.normalize(text)


def test_the_digest_depends_on_the_key_and_the_salt():
    canonical = codeformat.generate()
    salt = codeformat.new_salt()
    key = CodeKey(b"k" * 32)
    digest = key.digest(canonical, salt)
    assert key.matches(canonical, salt=salt, digest=digest)
    assert not CodeKey(b"j" * 32).matches(canonical, salt=salt, digest=digest)
    assert not key.matches(canonical, salt=codeformat.new_salt(), digest=digest)


def test_keys_shorter_than_32_bytes_are_refused_and_never_shown():
    with pytest.raises(ValueError):
        CodeKey(b"short")
    assert "k" * 32 not in repr(CodeKey(b"k" * 32))


def test_log_redaction_hides_code_shaped_text_in_any_spelling():
    grouped = codeformat.grouped(codeformat.generate())
    spellings = (
        grouped,
        grouped.lower(),
        grouped.replace("-", ""),
        grouped.replace("-", " "),
        grouped.replace("-", "+"),
        grouped.replace("-", "%20"),
    )
    for spelled in spellings:
        line = f"text=redeem {spelled} acme&user=U1"
        redacted = codeformat.redact(line)
        assert spelled not in redacted
        assert "acme" in redacted


def _encodings(grouped: str) -> list[str]:
    from urllib.parse import quote, quote_plus

    as_json = json.dumps({"text": f"redeem {grouped} acme"})
    return [
        quote_plus(as_json),  # %22 before the code, + around it
        quote(as_json, safe=""),
        grouped.replace("-", "%2D"),
        grouped.replace("-", "%2d"),
        quote(quote(as_json, safe=""), safe=""),  # encoded twice: %2522
        json.dumps(as_json),  # JSON inside JSON: \"
        json.dumps({"v": grouped.replace("-", "\u2013")}),  # \u2013 escapes
        grouped.lower().replace("-", ""),
        grouped.replace("-", "  "),
        grouped.replace("-", " - "),
        "payload=" + quote_plus(json.dumps({"actions": [{"value": json.dumps({"code": grouped})}]})),
    ]


def test_log_redaction_hides_a_code_in_every_encoding_a_log_line_may_hold():
    grouped = codeformat.grouped(codeformat.generate())
    for encoded in _encodings(grouped):
        redacted = codeformat.redact(f"body: {encoded} end")
        assert unspelled(grouped) not in unspelled(redacted), encoded
        assert "[code]" in redacted and redacted.endswith(" end")


def unspelled(text: str) -> str:
    """``text`` decoded from every encoding above and stripped to letters and digits, upper case."""
    from urllib.parse import unquote_plus

    for _ in range(3):
        text = unquote_plus(text)
    text = text.encode().decode("unicode_escape", "ignore") if "\\u" in text else text
    return re.sub(r"[^0-9A-Za-z]", "", text).upper()
