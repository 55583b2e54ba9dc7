"""``specmock import``: legacy documents in; an OpenAPI 3.0.3 draft (YAML) and a report out.

Exit status: 0 when every document was imported into a valid draft (warnings allowed); 1 when a
document could not be imported, the draft is not valid OpenAPI or an output cannot be written
(the draft of the documents that could be imported is still written, and the report says what
happened to each file); 2 on a usage error.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, TextIO

import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from specmock.importers import AUTO, import_documents
from specmock.importers.registry import IMPORTERS
from specmock.importers.report import render_json, render_text

PROGRAM = "specmock import"
STDOUT = "-"


class _Dumper(yaml.SafeDumper):
    """Writes an example shared by several operations in full at each place (no YAML anchors)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def import_command(paths: list[str], fmt: str = AUTO, out: str | None = None, report: str | None = None) -> int:
    """Import ``paths`` into one draft written to ``out`` (stdout when None or ``-``), with the
    report written to ``report`` (stderr when None, stdout when ``-``; JSON for a ``.json`` file)."""
    if usage := _usage_problem(paths, fmt, out, report):
        print(f"{PROGRAM}: error: {usage}", file=sys.stderr)
        return 2
    result = import_documents([Path(path) for path in paths], fmt)
    invalid = _validation_problem(result.draft) if result.draft is not None else None
    rendered = (render_json if report and report.endswith(".json") else render_text)(result, invalid)
    try:
        if result.draft is not None:
            _write(out, yaml.dump(result.draft, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100))
        _write(report, rendered, sys.stderr)
    except OSError as error:
        print(f"{PROGRAM}: error: cannot write: {error}", file=sys.stderr)
        return 1
    failed = bool(result.failures) or invalid is not None or result.draft is None
    if report not in (None, STDOUT):
        state = "failed" if failed else "done"
        print(
            f"{PROGRAM}: {state}: {len(result.documents)} of {len(paths)} documents imported, "
            f"{len(result.problems)} warnings; report in {report}",
            file=sys.stderr,
        )
    return 1 if failed else 0


def _usage_problem(paths: list[str], fmt: str, out: str | None, report: str | None) -> str | None:
    formats = [AUTO, *IMPORTERS.names()]
    if not paths:
        return "no document given"
    if fmt not in formats:
        return f"unknown format {fmt!r}; choose one of {', '.join(formats)}"
    if report == STDOUT and out in (None, STDOUT):
        return "the draft and the report cannot both go to stdout: give -o FILE or --report FILE"
    targets = [Path(target).resolve() for target in (out, report) if target not in (None, STDOUT)]
    if len(targets) == 2 and targets[0] == targets[1]:
        return "the draft and the report cannot be written to the same file"
    inputs = {Path(path).resolve() for path in paths}
    if clash := next((target for target in targets if target in inputs), None):
        return f"{clash} is one of the documents to import: it would be overwritten"
    return None


def _validation_problem(draft: dict[str, Any]) -> str | None:
    try:
        validate(draft)
    except OpenAPIValidationError as error:
        return error.message.splitlines()[0]
    return None


def _write(target: str | None, text: str, default: TextIO | None = None) -> None:
    if target in (None, STDOUT):
        (default if target is None and default else sys.stdout).write(text)
    else:
        Path(target).write_text(text, encoding="utf-8")
