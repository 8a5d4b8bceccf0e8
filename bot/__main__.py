"""The ``joanbot`` console script. Ctrl-C or SIGTERM at any moment, even while the modules load, ends it with
"aborted" and exit 1 (a bulk issue removes its unfinished file on the way out), never a traceback."""

import os
import signal
import sys
from typing import NoReturn


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    try:  # a stop that lands while the handler is being installed is inside the ``try`` too
        signal.signal(signal.SIGTERM, _interrupt)  # first of all: cleans up as Ctrl-C does
        from bot.cli import main as cli_main

        return cli_main()
    except KeyboardInterrupt:  # while the modules load: exit at once (see ``_exit_now``)
        sys.stderr.write("aborted\n")
        _exit_now(1)


def _exit_now(code: int) -> NoReturn:
    """Exit with ``code`` at once, the streams flushed: an interrupt that landed while the modules loaded (and
    nothing of ours is open yet) could otherwise surface again as the interpreter winds down, ending the
    process by SIGINT (exit -2) instead of 1."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
