"""A loopback stand-in for Slack's Web API that records every call, for tests, demos and fault drills.

It listens on ``127.0.0.1`` on a free port, in a thread. Point a client at it with
``WebClient(token="xoxb-...", base_url=standin.url)`` (or ``SLACK_API_URL``). It answers the methods the bot
uses with ``ok: true`` and plausible shapes, serves ``response_url`` targets (``standin.response_url()``)
and file upload URLs, and records every request as a ``Call``. ``script`` makes a method answer something
else (an error, a 429 with ``Retry-After``, a delay) for its next calls.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
import time
from collections import defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from bot.sandbox.records import Call, Faults, Posted, Reply, Responder, parse_body

__all__ = ["Call", "Faults", "Posted", "Reply", "Responder", "SlackStandIn"]


class SlackStandIn:
    def __init__(self, *, team_id: str = "THOME", team: str = "Home", bot_user_id: str = "UJOANBOT") -> None:
        self.team_id, self.team, self.bot_user_id = team_id, team, bot_user_id
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        self._scripts: dict[str, deque[Reply | Responder]] = defaultdict(deque)
        self._sticky: dict[str, Reply | Responder] = {}
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.faults: Faults | None = None
        self.messages: dict[str, list[Posted]] = defaultdict(list)  # channel -> messages, oldest first
        self._last_post: dict[str, float] = {}
        self.user_teams: dict[str, str] = {}  # users.info's team_id per user (default: the home team)

    # -- lifecycle ------------------------------------------------------------------------------------------

    def start(self, port: int = 0) -> SlackStandIn:
        """Listen on ``port`` (default: a free one)."""
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                standin._handle(self)

            do_GET = do_POST

            def log_message(self, format: str, *args: Any) -> None:
                return  # quiet: the calls are recorded instead

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="slack-standin", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base(self) -> str:
        assert self._server is not None, "start() the stand-in first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def url(self) -> str:
        """The Web API base URL, for ``WebClient(base_url=...)`` and ``SLACK_API_URL``."""
        return f"{self.base}/api/"

    def response_url(self, name: str = "default") -> str:
        return f"{self.base}/response/{name}"

    # -- scripting and inspection ---------------------------------------------------------------------------

    def script(self, method: str, reply: Reply | Responder | dict[str, Any], *, times: int | None = 1) -> None:
        """Answer ``method`` with ``reply`` for its next ``times`` calls (``None``: until ``unscript``)."""
        answer = Reply(reply) if isinstance(reply, dict) else reply
        with self._lock:
            if times is None:
                self._sticky[method] = answer
            else:
                self._scripts[method].extend([answer] * times)

    def fail(self, method: str, error: str, *, times: int | None = 1) -> None:
        self.script(method, Reply({"ok": False, "error": error}), times=times)

    def rate_limit(self, method: str, retry_after: int = 1, *, times: int | None = 1) -> None:
        self.script(
            method,
            Reply({"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": str(retry_after)}),
            times=times,
        )

    def unscript(self, method: str | None = None) -> None:
        with self._lock:
            for table in (self._scripts, self._sticky):
                if method is None:
                    table.clear()
                else:
                    table.pop(method, None)

    def posted(self, channel: str | None = None) -> list[Posted]:
        """Every message stored (posted and not deleted), oldest first; edits are applied in place."""
        with self._lock:
            if channel is not None:
                return list(self.messages.get(channel, []))
            return sorted((m for ms in self.messages.values() for m in ms), key=lambda m: m.at)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()

    # -- serving --------------------------------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        path = urlsplit(request.path).path
        headers = {k.lower(): v for k, v in request.headers.items()}
        if path.startswith("/api/"):
            method = path.removeprefix("/api/")
        elif path.startswith("/response/"):
            method = "response_url"
        elif path.startswith("/upload/"):
            method = "upload"
        else:
            method = "unknown"
        body = parse_body(raw, headers.get("content-type", ""), urlsplit(request.path).query)
        call = Call(method, body, headers, path, raw)
        with self._lock:
            self.calls.append(call)
            queued = self._scripts.get(method)
            scripted = queued.popleft() if queued else self._sticky.get(method)
        if scripted is None and self.faults is not None and method == "chat.postMessage":
            reply = self._post_with_faults(call)
        elif scripted is None:
            reply = Reply(self._default(call))
        else:
            produced = scripted(call) if callable(scripted) else scripted
            reply = produced if isinstance(produced, Reply) else Reply(produced)
        if reply.delay:
            time.sleep(reply.delay)
        if reply.drop:
            request.close_connection = True
            return
        payload = json.dumps(reply.body).encode()
        try:
            request.send_response(reply.status)
            request.send_header("Content-Type", "application/json; charset=utf-8")
            request.send_header("Content-Length", str(len(payload)))
            for name, value in reply.headers.items():
                request.send_header(name, value)
            request.end_headers()
            request.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): the call is recorded all the same

    def _next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}"

    def _default(self, call: Call) -> dict[str, Any]:
        body, method = call.body, call.method
        if method in ("response_url", "upload"):
            return {"ok": True}
        if method == "auth.test":
            return self._auth_test()
        if not (call.token or "").startswith(("xoxb-", "xoxp-", "xapp-")):
            return {"ok": False, "error": "not_authed"}
        if method.startswith("chat."):
            return self._chat(call)
        if method in ("views.open", "views.update", "views.push", "views.publish"):
            return self._view(body)
        if method.startswith("conversations."):
            return self._conversations(method, body)
        if method.startswith("files."):
            return self._files(method, body)
        if method == "users.info":
            team = self.user_teams.get(str(body.get("user")), self.team_id)
            return {"ok": True, "user": {"id": body.get("user"), "team_id": team, "is_bot": False}}
        return {"ok": True}

    def _auth_test(self) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://home.example.slack.com/",
            "team": self.team,
            "user": "joanbot",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": "BJOANBOT",
            "is_enterprise_install": False,
        }

    def _chat(self, call: Call) -> dict[str, Any]:
        body, method = call.body, call.method
        if method == "chat.postMessage":
            ts = self._store(call)
            return {
                "ok": True,
                "channel": body.get("channel"),
                "ts": ts,
                "message": {
                    "type": "message",
                    "text": body.get("text"),
                    "blocks": body.get("blocks"),
                    "ts": ts,
                    "bot_id": "BJOANBOT",
                    "user": self.bot_user_id,
                },
            }
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if method == "chat.update":
            self._edit(call)
            return {"ok": True, "channel": body.get("channel"), "ts": body.get("ts"), "text": body.get("text")}
        if method == "chat.delete":
            return {"ok": True, "channel": body.get("channel"), "ts": body.get("ts")}
        return {"ok": True}

    def _view(self, body: dict[str, Any]) -> dict[str, Any]:
        view = body.get("view")
        view = json.loads(view) if isinstance(view, str) else dict(view or {})
        view_id = body.get("view_id") or self._next_id("V")
        digest = hashlib.sha1(json.dumps(view, sort_keys=True).encode()).hexdigest()[:16]  # noqa: S324
        return {
            "ok": True,
            "view": {
                **view,
                "id": view_id,
                "team_id": self.team_id,
                "hash": f"{time.time():.0f}.{digest}",
                "state": {"values": {}},
                "app_installed_team_id": self.team_id,
            },
        }

    def _conversations(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        if method == "conversations.open":
            users = str(body.get("users", ""))
            return {"ok": True, "channel": {"id": "D" + hashlib.sha1(users.encode()).hexdigest()[:10].upper()}}  # noqa: S324
        if method == "conversations.info":
            return {"ok": True, "channel": {"id": body.get("channel"), "name": "channel", "is_member": True}}
        if method == "conversations.members":
            return {"ok": True, "members": [self.bot_user_id], "response_metadata": {"next_cursor": ""}}
        if method == "conversations.history":
            return self._history(body)
        if method == "conversations.replies":
            return {"ok": True, "messages": [], "has_more": False, "response_metadata": {"next_cursor": ""}}
        return {"ok": True}

    def _files(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        if method == "files.getUploadURLExternal":
            file_id = self._next_id("F")
            return {"ok": True, "upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = body.get("files")
            files = json.loads(files) if isinstance(files, str) else files or []
            return {"ok": True, "files": [{"id": f.get("id"), "title": f.get("title")} for f in files]}
        return {"ok": True}

    # -- channels: what was posted, as a history would show it ---------------------------------------------

    def _store(self, call: Call) -> str:
        body = call.body
        blocks = body.get("blocks")
        blocks = json.loads(blocks) if isinstance(blocks, str) else blocks or []
        metadata = body.get("metadata")
        metadata = json.loads(metadata) if isinstance(metadata, str) else metadata
        channel = str(body.get("channel"))
        with self._lock:
            ts = self._next_ts()
            self.messages[channel].append(Posted(channel, ts, str(body.get("text") or ""), blocks, metadata, call.at))
            self._last_post[channel] = call.at
        return ts

    def _edit(self, call: Call) -> None:
        body = call.body
        blocks = body.get("blocks")
        blocks = json.loads(blocks) if isinstance(blocks, str) else blocks or []
        channel, ts = str(body.get("channel")), str(body.get("ts"))
        with self._lock:
            stored = self.messages.get(channel, [])
            for index, message in enumerate(stored):
                if message.ts == ts:
                    stored[index] = Posted(
                        channel, ts, str(body.get("text") or ""), blocks, message.metadata, message.at
                    )

    def _history(self, body: dict[str, Any]) -> dict[str, Any]:
        channel = str(body.get("channel"))
        oldest = float(body.get("oldest") or 0)
        with_metadata = str(body.get("include_all_metadata", "")).lower() in ("1", "true")
        with self._lock:
            found = [m for m in reversed(self.messages.get(channel, [])) if float(m.ts) >= oldest]
        return {
            "ok": True,
            "messages": [
                {
                    "type": "message",
                    "ts": m.ts,
                    "text": m.text,
                    "bot_id": "BJOANBOT",
                    **({"metadata": m.metadata} if with_metadata and m.metadata else {}),
                }
                for m in found
            ],
            "has_more": False,
            "response_metadata": {"next_cursor": ""},
        }

    def _post_with_faults(self, call: Call) -> Reply:
        faults = self.faults
        assert faults is not None
        channel = str(call.body.get("channel"))
        if channel in faults.unpostable:
            return Reply({"ok": False, "error": "not_in_channel"})
        with self._lock:
            last = self._last_post.get(channel)
            too_soon = faults.channel_rate is not None and last is not None and call.at - last < faults.channel_rate
            roll = faults._random.random()
        if too_soon:
            return Reply(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": str(faults.retry_after)}
            )
        if roll < faults.server_errors:
            return Reply({"ok": False, "error": "internal_error"}, status=500)
        reply = Reply(self._default(call), delay=faults.slow_posts)
        if roll < faults.server_errors + faults.lost_responses:
            return Reply(reply.body, delay=faults.slow_posts, drop=True)
        return reply
