"""missive.app."""
