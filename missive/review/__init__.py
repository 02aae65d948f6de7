"""missive.review."""
