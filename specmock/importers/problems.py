"""Typed problems: what an import could not do, of which kind, and where in which document."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    """The sort of a problem, as the report and ``x-specmock-import-warnings`` name it."""

    # Failures: the document is not imported.
    UNREADABLE = "unreadable"  # the file cannot be read
    UNFAMILIAR = "unfamiliar"  # no importer recognises the document
    EMPTY = "empty"  # the document describes no operation
    # Warnings: the document is imported, and this is what to review.
    SKIPPED = "skipped"  # a section, block, line or reference was left out of the draft
    INVALID_EXAMPLE = "invalid-example"  # an example could not be read: no schema was inferred from it
    LENIENT_EXAMPLE = "lenient-example"  # an example was read after forgiving its syntax
    CONTRADICTION = "contradiction"  # the document disagrees with itself or with its examples
    INCOMPLETE = "incomplete"  # documented fields and examples do not cover each other, or a type is unknown
    ASSUMED = "assumed"  # a gap the importer filled: a status, a typo in a path, a default response
    MERGED = "merged"  # several operations or paths became one


@dataclass(frozen=True)
class ImportProblem:
    """Something to review before the draft becomes a contract (or, for a failure, why a document
    was not imported)."""

    kind: Kind
    message: str
    file: str | None = None
    line: int | None = None

    def as_dict(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"kind": str(self.kind)}
        if self.file:
            entry["file"] = self.file
        if self.line is not None:
            entry["line"] = self.line
        entry["message"] = self.message
        return entry

    def __str__(self) -> str:
        where = ":".join(str(part) for part in (self.file, self.line) if part is not None)
        return f"{where}: [{self.kind}] {self.message}" if where else f"[{self.kind}] {self.message}"


class ImportFailure(Exception):
    """A document that cannot be imported at all."""

    def __init__(self, problem: ImportProblem) -> None:
        super().__init__(str(problem))
        self.problem = problem
