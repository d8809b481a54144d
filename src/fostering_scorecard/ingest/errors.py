"""The error for a whole extract file (or the extracts folder's extract.toml, or a column
mapping) that cannot be used: the run stops before anything is computed."""

from __future__ import annotations

from ..errors import FileProblem


class ExtractError(FileProblem):
    """A problem with a whole file: the run stops and the message says what to fix."""
