"""Errors a user can act on.

Every error the product raises for a user's mistake is one of these. The CLI prints the message as
one paragraph and exits with the class's exit code; it never shows a traceback for them. A message
names the file, the field and the fix.
"""

from __future__ import annotations


class MLEngineerError(Exception):
    """Base class: a problem with the user's input or environment, not a bug."""

    exit_code = 1

    def __init__(self, message: str, *, path: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.path = path
        self.field = field

    def __str__(self) -> str:
        return self.message


class InputsError(MLEngineerError):
    """The data folder is missing, empty, or unreadable."""

    exit_code = 2


class ProfileError(MLEngineerError):
    """The profile exists but cannot be understood."""

    exit_code = 3


class GoalError(MLEngineerError):
    """The goal or target cannot be decided without the user's help."""

    exit_code = 4


class TargetUnclear(GoalError):
    """Two or more columns stay plausible targets for the goal: a person must say which.

    `candidates` are best first, each {"column", "score", "reason"}; where a person can be
    asked, the graph asks with them; where no one can (--yes, no terminal), this is the error.
    """

    def __init__(self, message: str, *, goal: str, candidates: list[dict], path: str | None = None):
        super().__init__(message, path=path, field="target")
        self.goal = goal
        self.candidates = candidates


class DataError(MLEngineerError):
    """The dataset contradicts the profile or the goal (e.g. target column absent, no rows)."""

    exit_code = 5


class OutputError(MLEngineerError):
    """The deliverables cannot be written where they belong."""

    exit_code = 6


class RunInProgressError(MLEngineerError):
    """Another process is running or resuming the same project."""

    exit_code = 7


class ModelConfigError(MLEngineerError):
    """A chat model was asked for but cannot be configured (no key, bad option)."""

    exit_code = 2


class SettingsError(MLEngineerError):
    """A run setting (a flag such as --memory-limit) has a value the run cannot use."""

    exit_code = 2
