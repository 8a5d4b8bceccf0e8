"""The server's transport sends a response's head and body in one write, and holds nothing back for long."""

from __future__ import annotations

import asyncio

from bot.serving import PairedWrites


class RecordingTransport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True


def test_a_head_and_its_body_go_out_in_one_write():
    async def scenario() -> list[bytes]:
        raw = RecordingTransport()
        paired = PairedWrites(raw, asyncio.get_running_loop())
        paired.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
        assert raw.writes == []
        paired.write(b"ok")
        return raw.writes

    assert asyncio.run(scenario()) == [b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"]


def test_a_lone_write_goes_out_at_the_end_of_the_loops_turn_and_before_a_close():
    async def scenario() -> None:
        raw = RecordingTransport()
        paired = PairedWrites(raw, asyncio.get_running_loop())
        paired.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        await asyncio.sleep(0)
        assert raw.writes == [b"HTTP/1.1 100 Continue\r\n\r\n"]
        paired.write(b"last")
        paired.close()
        assert raw.writes[-1] == b"last" and raw.closed
        await asyncio.sleep(0)
        assert raw.writes == [b"HTTP/1.1 100 Continue\r\n\r\n", b"last"]

    asyncio.run(scenario())
