"""missive.compose."""
