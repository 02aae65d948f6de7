"""missive.schedule."""
