"""Errors that name the file, the line and the fix.

Every stage collects `ContentError`s instead of stopping at the first one, so a
build reports everything that is wrong in one pass, then raises `BuildError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ContentError:
    path: Path | str
    line: int | None
    message: str
    hint: str = ""
    column: int | None = None

    def location(self) -> str:
        where = str(self.path)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where

    def format(self) -> str:
        text = f"{self.location()}: error: {self.message}"
        if self.hint:
            text += f"\n    fix: {self.hint}"
        return text

    def to_dict(self) -> dict:
        return {"file": str(self.path), "line": self.line, "column": self.column,
                "message": self.message, "hint": self.hint}


class BuildError(Exception):
    """The content (or settings, or templates) cannot be built; nothing was written."""

    def __init__(self, errors: list[ContentError]):
        self.errors = sorted(errors, key=lambda e: (str(e.path), e.line or 0, e.column or 0))
        super().__init__(self.report())

    def __reduce__(self):
        """Pickled with its errors, so a render worker can hand it to the main process."""
        return BuildError, (self.errors,)

    def report(self) -> str:
        count = len(self.errors)
        lines = [e.format() for e in self.errors]
        lines.append(f"{count} error{'s' if count != 1 else ''}; nothing was written.")
        return "\n".join(lines)


class UsageError(Exception):
    """A command was called wrongly (bad folder, unsafe output); exit status 2."""
