"""Problems a user can fix. The command prints their message and stops, never a traceback.

A message names the file (and, where there is one, the line, column and rule) and says how to
fix it; it never quotes a value from a data row.
"""

from __future__ import annotations


class UserError(Exception):
    """Something the person running the scorecard can put right; str() is the whole message."""


class FileProblem(UserError):
    """A problem with one file (an extract, extract.toml, a project file, a mapping)."""

    def __init__(self, file: str, problem: str, fix: str):
        self.file, self.problem, self.fix = file, problem, fix
        super().__init__(f"{file}: {problem}\n  How to fix: {fix}")


class RunProblem(Exception):
    """The run could not go on for a reason that is not in the data: another run holds the month
    (publish.MonthLocked), an archived input is missing (publish.ArchiveError), a process it
    needs ended (validation.suite_process); str() is the whole message, with what to do."""
