"""missive.storage."""
