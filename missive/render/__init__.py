"""missive.render."""
