"""missive: one official letter, personalised PDFs in the six UN languages, sent safely."""

__version__ = "0.1.0"
