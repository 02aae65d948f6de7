"""Reference data missive ships, read by more than one stage (see missive/data/README.md)."""
