"""The stand-in's file uploads, as ``files_upload_v2`` drives them: ``files.getUploadURLExternal`` names the
file and its length and gets an upload URL; the bytes are POSTed there; ``files.completeUploadExternal``
finishes the upload and shares the file into ``channel_id`` (or nowhere), with ``initial_comment``.

Each step checks what Slack checks (a name and a length first, the bytes of that length at that URL, only
uploaded files completed), so a client that skips or garbles a step fails here as it would there.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.sandbox.records import Call, Reply

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Uploaded:
    """A completed upload: its bytes, and the conversation it was shared into (None: shared nowhere)."""

    id: str
    filename: str
    title: str | None
    content: bytes
    channel: str | None
    initial_comment: str | None

    @property
    def mimetype(self) -> str:
        return "image/png" if self.content.startswith(PNG_MAGIC) else "application/octet-stream"


class FileStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[str, tuple[str, int]] = {}  # file id -> (filename, declared length)
        self._received: dict[str, bytes] = {}
        self.uploaded: list[Uploaded] = []

    def upload_url(self, body: dict[str, Any], *, base: str, new_id: Callable[[], str]) -> dict[str, Any]:
        filename, length = body.get("filename"), str(body.get("length") or "")
        if not filename or not length.isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = new_id()
        with self._lock:
            self._pending[file_id] = (str(filename), int(length))
        return {"ok": True, "upload_url": f"{base}/upload/{file_id}", "file_id": file_id}

    def receive(self, call: Call) -> Reply:
        """The POST of the bytes to the upload URL: 200 ``OK - <length>``, as Slack's upload host answers."""
        file_id = call.path.rsplit("/", 1)[-1]
        with self._lock:
            pending = self._pending.get(file_id)
            if pending is None or pending[1] != len(call.raw):
                return Reply({"ok": False, "error": "invalid_upload"}, status=400)
            self._received[file_id] = call.raw
        return Reply({"ok": True, "text": f"OK - {len(call.raw)}"})

    def complete(self, body: dict[str, Any]) -> dict[str, Any]:
        files = body.get("files")
        files = json.loads(files) if isinstance(files, str) else files or []
        channel = body.get("channel_id") or None
        done: list[Uploaded] = []
        with self._lock:
            for item in files:
                file_id = str(item.get("id"))
                if file_id not in self._received:
                    return {"ok": False, "error": "file_not_found"}
                filename, _ = self._pending[file_id]
                done.append(
                    Uploaded(
                        file_id,
                        filename,
                        item.get("title"),
                        self._received[file_id],
                        channel,
                        body.get("initial_comment") or None,
                    )
                )
            self.uploaded.extend(done)
        return {"ok": True, "files": [_file_object(u) for u in done]}

    def shared_into(self, channel: str | None) -> list[Uploaded]:
        with self._lock:
            return [u for u in self.uploaded if u.channel == channel]


def _file_object(uploaded: Uploaded) -> dict[str, Any]:
    shares = {"private": {uploaded.channel: [{"ts": "0"}]}} if uploaded.channel else {}
    return {
        "id": uploaded.id,
        "name": uploaded.filename,
        "title": uploaded.title or uploaded.filename,
        "mimetype": uploaded.mimetype,
        "size": len(uploaded.content),
        "is_public": False,
        "channels": [],
        "ims": [uploaded.channel] if uploaded.channel and uploaded.channel.startswith("D") else [],
        "groups": [],
        "shares": shares,
    }
