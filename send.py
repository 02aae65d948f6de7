#!/usr/bin/env python3
"""Entry point: `python send.py COMMAND ...` (see `python send.py --help`)."""

import sys

from missive.cli import main

if __name__ == "__main__":
    sys.exit(main())
