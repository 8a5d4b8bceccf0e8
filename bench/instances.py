"""Real ``joanbot serve`` processes for the benchmarks (the CLI entry point, each on a free loopback port,
all on one database with one code key, pointed at a Slack stand-in; always stopped: SIGTERM, then kill),
and the client threads that load them, released together."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
READY_SECONDS = 90.0  # two instances importing and migrating at once on a busy 2-core machine
OURS = ("JOANBOT_", "SLACK_")  # settings the caller's environment must not leak into the instances


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(settings: dict[str, str]) -> dict[str, str]:
    """The process environment without any joanbot or Slack setting of the caller's, plus ``settings``."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(OURS) and k not in ("DATABASE_URL", "PORT")}
    return inherited | settings


@contextmanager
def serving(settings: dict[str, str], folder: Path, count: int = 2) -> Iterator[list[str]]:
    """``count`` instances of ``joanbot serve`` with ``settings`` (``DATABASE_URL``, ``JOANBOT_CODE_KEY``,
    the Slack ones...); yields their base URLs once every one answers ``/readyz`` 200 with Slack known.
    Their logs (INFO: one access line per request, as in production) go to files in ``folder``."""
    processes: list[tuple[subprocess.Popen[bytes], Path]] = []
    bases: list[str] = []
    with ExitStack() as stack:
        try:
            for n in range(count):
                port, log = free_port(), folder / f"serve-{n}.log"
                out = stack.enter_context(log.open("wb"))
                env = environment(settings | {"PORT": str(port), "JOANBOT_BIND": "127.0.0.1"})
                command = [sys.executable, "-m", "bot", "serve"]
                processes.append((subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=out), log))
                bases.append(f"http://127.0.0.1:{port}")
            for (process, log), base in zip(processes, bases, strict=True):
                _wait_ready(process, base, log)
            yield bases
        finally:
            for process, _ in processes:
                process.terminate()
            for process, _ in processes:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def _wait_ready(process: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + READY_SECONDS
    last: object = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"joanbot serve exited {process.returncode} before it was ready:\n{_tail(log)}")
        try:
            answer = httpx.get(f"{base}/readyz", timeout=5)
            last = answer.status_code, answer.text
            if answer.status_code == 200 and answer.json().get("slack") == "ok":
                return
        except httpx.HTTPError as error:
            last = error
        time.sleep(0.25)
    raise RuntimeError(f"{base}/readyz never answered 200 with Slack known (last: {last}):\n{_tail(log)}")


def _tail(log: Path, lines: int = 20) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


Client = Callable[[threading.Barrier], None]


def drive(clients: list[Client], *, start_within: float = 120.0) -> tuple[float, float]:
    """Run each client on its own thread. A client prepares (opens its connection), waits on the barrier,
    then works; the clock starts when all are released. Returns (start, end): perf_counter at the release
    and when the last client finished. A client's error stops the others at the barrier and is raised."""
    barrier = threading.Barrier(len(clients) + 1)
    errors: list[BaseException] = []
    ends: list[float] = []

    def body(client: Client) -> None:
        try:
            client(barrier)
        except BaseException as error:  # raised again on the main thread
            errors.append(error)
            barrier.abort()
        finally:
            ends.append(time.perf_counter())

    threads = [threading.Thread(target=body, args=(client,), daemon=True) for client in clients]
    for thread in threads:
        thread.start()
    with suppress(threading.BrokenBarrierError):  # a client failed: its error is raised below
        barrier.wait(timeout=start_within)
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return start, max(ends)
