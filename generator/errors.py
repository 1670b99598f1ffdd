"""Errors a blogger can fix. Each names the file (and line, where there is one) and what to do."""

from __future__ import annotations

from pathlib import Path


class BlogError(Exception):
    """A problem in the blogger's files or command line; the CLI prints it as one line, exit status 1."""

    exit_status = 1

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line

    def __reduce__(self):
        # Keep path and line when an error comes back from a worker process.
        return (type(self), (self.message, self.path, self.line))

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = self.path if self.line is None else f"{self.path}:{self.line}"
            where += ": "
        return where + self.message


class UsageError(BlogError):
    """A wrong command line: exit status 2."""

    exit_status = 2


class LockBusy(BlogError):
    """Another build holds the lock for longer than we were told to wait: exit status 75 (EX_TEMPFAIL)."""

    exit_status = 75


# Each message is one line, whatever a file name or a value in it holds: line breaks are shown escaped.
_ONE_LINE = str.maketrans({c: repr(c)[1:-1] for c in "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"})


def one_line(message: str) -> str:
    return message.translate(_ONE_LINE)
