"""Fostering performance scorecard: ingest, validate, compute and publish a council's month."""

__version__ = "0.1.0"
