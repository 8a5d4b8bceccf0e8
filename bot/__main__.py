"""The ``joanbot`` console script. Ctrl-C or SIGTERM at any moment, even while the modules load, ends it with
"aborted" and exit 1 (a bulk issue removes its unfinished file on the way out), never a traceback."""

import signal
import sys


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


signal.signal(signal.SIGTERM, _interrupt)  # first of all: cleans up as Ctrl-C does


def main() -> int:
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        from bot.cli import main as cli_main

        return cli_main()
    except KeyboardInterrupt:
        sys.stderr.write("aborted\n")
        return 1


if __name__ == "__main__":
    sys.exit(main())
