"""`python -m missive COMMAND ...`, as `python send.py COMMAND ...`."""

from missive.cli import run

run()
