"""``python -m sim.explore [--port N] [--scenario NAME]``: :func:`sim.explore.server.main`."""

import sys

from sim.explore.server import main

if __name__ == "__main__":
    sys.exit(main())
