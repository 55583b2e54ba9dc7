"""Import legacy API documents (API Blueprint with MSON, rspec_api_documentation markdown or JSON,
apipie pages as text or HTML, apipie's static JSON) into one OpenAPI 3.0.3 draft.

Each format's parser registers itself in :data:`~specmock.importers.registry.IMPORTERS`;
:func:`import_documents` reads every file (within the limits of :mod:`~specmock.importers.sources`
and :mod:`~specmock.importers.limits`), detects its format unless one is forced, and merges
whatever could be read into one draft. A document that cannot be imported is reported, never raised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The parsers register themselves when imported.
from specmock.importers import apiblueprint, apipie, apipie_json, limits, rspec_doc, rspec_json  # noqa: F401
from specmock.importers.draft import build_draft
from specmock.importers.limits import TimeLimit, deadline
from specmock.importers.model import Document
from specmock.importers.problems import ImportFailure, ImportProblem, Kind
from specmock.importers.registry import IMPORTERS
from specmock.importers.sources import read_source

AUTO = "auto"


@dataclass
class Outcome:
    """What became of one file: its document, why it was not imported, or the document it was read
    through (an index that links to it)."""

    file: str
    document: Document | None = None
    failure: ImportProblem | None = None
    through: str | None = None


@dataclass
class ImportResult:
    outcomes: list[Outcome]
    draft: dict[str, Any] | None = None
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def documents(self) -> list[Document]:
        return [outcome.document for outcome in self.outcomes if outcome.document]

    @property
    def failures(self) -> list[ImportProblem]:
        return [outcome.failure for outcome in self.outcomes if outcome.failure]


def read_document(path: Path, fmt: str = AUTO) -> Document:
    """Parse one file in the given format (or the detected one); :class:`ImportFailure` when it
    cannot be read, is of no known format, or describes no operation."""
    file = str(path)
    text = read_source(path)
    try:
        with deadline(limits.PARSE_SECONDS):
            entry = IMPORTERS.detect(text) if fmt == AUTO else IMPORTERS.get(fmt)
            document = entry.parse(text, file) if entry else None
    except TimeLimit:
        message = f"reading it took longer than {limits.PARSE_SECONDS:g} s: not imported"
        raise ImportFailure(ImportProblem(Kind.UNREADABLE, message, file)) from None
    except Exception as error:  # a reader's bug must not lose the other documents or end in a traceback
        message = f"the importer could not read it ({type(error).__name__}: {str(error)[:200]}); please report this"
        raise ImportFailure(ImportProblem(Kind.UNREADABLE, message, file)) from None
    if entry is None or document is None:
        message = f"unfamiliar document: not {', '.join(IMPORTERS.names())} (--format forces one)"
        if _OPENAPI.match(text):
            message = ("already an OpenAPI or Swagger document: nothing to import; serve it with `specmock serve "
                       f"{file}`, check a server against it with `specmock verify --spec {file}`")
        raise ImportFailure(ImportProblem(Kind.UNFAMILIAR, message, file))
    if not document.operations:
        raise ImportFailure(ImportProblem(Kind.EMPTY, f"no operation found in this {entry.name} document", file))
    return document


# A document whose first key says it is OpenAPI or Swagger, in YAML or JSON.
_OPENAPI = re.compile(r"""\A\s*(?:\{\s*)?["']?(?:openapi|swagger)["']?\s*:""")


def _read_once(outcomes: list[Outcome]) -> None:
    """A file also read through another document (an example its index links to) is imported once,
    through that document, and the report says so."""
    through = {
        str(Path(source).resolve()): outcome
        for outcome in outcomes
        if outcome.document
        for source in outcome.document.sources
    }
    for outcome in outcomes:
        reader = through.get(str(Path(outcome.file).resolve()))
        if outcome.document and reader is not None and reader is not outcome:
            reader.document.warn(
                Kind.MERGED, f"{outcome.file} was also given on its own: read once, through this index"
            )
            outcome.document, outcome.through = None, reader.file


def import_documents(paths: list[Path], fmt: str = AUTO) -> ImportResult:
    """Read every file and merge those that could be read into one draft (None when none could)."""
    outcomes = []
    for path in paths:
        try:
            outcomes.append(Outcome(str(path), read_document(path, fmt)))
        except ImportFailure as failure:
            outcomes.append(Outcome(str(path), failure=failure.problem))
    _read_once(outcomes)
    result = ImportResult(outcomes)
    if result.documents:
        result.draft, result.problems = build_draft(result.documents)
    return result
