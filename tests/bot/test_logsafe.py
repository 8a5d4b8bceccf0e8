from __future__ import annotations

import logging
import sys

from billing import codeformat
from bot import logsafe


def test_every_record_is_redacted_whoever_logs_it_and_however(caplog):
    logsafe.install()
    code = codeformat.grouped(codeformat.generate())
    caplog.set_level(logging.DEBUG)
    logging.getLogger("slack_bolt.anything").info("body: text=redeem+%s+acme&token=%s", code, "xoxb-1-2-abc")
    logging.getLogger("x").warning(f"inline {code.replace('-', '')} and xapp-1-A0-xyz")
    assert code not in caplog.text and code.replace("-", "") not in caplog.text
    assert "xoxb-1" not in caplog.text and "xapp-1" not in caplog.text
    assert caplog.text.count("[code]") == 2 and caplog.text.count("[token]") == 2


def test_tracebacks_are_redacted_by_the_handler_filter():
    logsafe.install()
    code = codeformat.grouped(codeformat.generate())
    try:
        raise ValueError(f"bad {code}")
    except ValueError:
        record = logging.getLogger("t").makeRecord("t", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    logsafe.RedactingFilter().filter(record)
    assert record.exc_text and code not in record.exc_text and "[code]" in record.exc_text


def test_slack_tokens_are_redacted_in_every_encoding():
    logsafe.install()
    spellings = [
        "xoxb-123-456-abc",
        "XOXB-123-456-ABC",
        "%22xoxb-123-456-abc%22",
        "%22xoxp%2D123%2D456%2Dabc",
        '\\"xapp-1-A0\\u002d2\\"',
        "\\u0022xoxb\\u002d1\\u002dabc",
        "%2522xoxb-123-456-abc%2522",
    ]
    for spelled in spellings:
        scrubbed = logsafe.scrub(f"token={spelled}&x=1")
        assert "123" not in scrubbed and "abc" not in scrubbed.lower() and "A0" not in scrubbed, scrubbed
        assert "[token]" in scrubbed


def test_api_keys_are_redacted_in_every_encoding():
    logsafe.install()
    key = "jbk_" + "Q7mZ_x-9" * 5 + "abc"
    spellings = [
        key,
        key.upper(),
        f"text=revoke%20{key}",  # a slash command's form body
        f"%22{key}%22",  # URL-encoded JSON
        f'\\"{key}\\"',  # JSON inside JSON
        f"\\u0022{key}\\u0022",
        f"Bearer+{key}",
    ]
    for spelled in spellings:
        scrubbed = logsafe.scrub(f"body={spelled}&x=1")
        assert "Q7mZ" not in scrubbed and "q7mz" not in scrubbed.lower(), scrubbed
        assert "[api key]" in scrubbed
