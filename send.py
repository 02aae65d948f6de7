#!/usr/bin/env python3
"""Entry point: `python send.py COMMAND ...` (see `python send.py --help`)."""

from missive.cli import run

if __name__ == "__main__":
    run()
