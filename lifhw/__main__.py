"""``lifhw`` and ``python -m lifhw``: the command line, with a Ctrl-C answered as one line from the first instant."""

import sys


def run() -> int:
    try:
        from .cli import main
    except KeyboardInterrupt:
        # Ctrl-C while numpy and the rest load (about 0.4 s): no run has started, so there is nothing to keep.
        print("lifhw: interrupted: nothing was kept", file=sys.stderr)
        return 130
    return main()


if __name__ == "__main__":
    sys.exit(run())
