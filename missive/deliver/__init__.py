"""missive.deliver."""
