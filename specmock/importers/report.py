"""The import report: per file what was imported and what was left out or guessed, then the draft.
Plain text, or JSON for tools."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from specmock.importers import ImportResult, Outcome
from specmock.importers.model import HTTP_METHODS, Operation
from specmock.importers.problems import ImportProblem


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def _draft_summary(draft: dict[str, Any] | None, invalid: str | None) -> dict[str, Any]:
    if draft is None:
        return {"written": False}
    paths = draft.get("paths", {})
    return {
        "written": True,
        "paths": len(paths),
        "operations": sum(method in item for item in paths.values() for method in HTTP_METHODS),
        "servers": [server["url"] for server in draft.get("servers", [])],
        "valid": invalid is None,
        **({"validation_error": invalid} if invalid else {}),
    }


def _line(operation: Operation) -> str:
    return f"  (line {operation.line})" if operation.line is not None else ""


def _problems_of(result: ImportResult, outcome: Outcome) -> list[ImportProblem]:
    return [problem for problem in result.problems if problem.file == outcome.file]


def render_json(result: ImportResult, invalid: str | None) -> str:
    documents = []
    for outcome in result.outcomes:
        entry: dict[str, Any] = {"file": outcome.file, "imported": outcome.document is not None}
        if outcome.through:
            entry["read_through"] = outcome.through
        if outcome.document:
            entry["format"] = outcome.document.format
            entry["operations"] = [
                {"method": op.method.upper(), "path": op.path, "summary": op.summary, "line": op.line}
                for op in outcome.document.operations
            ]
            entry["problems"] = [problem.as_dict() for problem in _problems_of(result, outcome)]
        else:
            entry["problems"] = [outcome.failure.as_dict()] if outcome.failure else []
        documents.append(entry)
    report = {
        "documents": documents,
        "across_documents": [problem.as_dict() for problem in result.problems if problem.file is None],
        "draft": _draft_summary(result.draft, invalid),
        "warnings": dict(sorted(Counter(str(problem.kind) for problem in result.problems).items())),
    }
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def render_text(result: ImportResult, invalid: str | None) -> str:
    lines = ["specmock import report", ""]
    for outcome in result.outcomes:
        document = outcome.document
        if outcome.through:
            lines.append(f"{outcome.file}: read through {outcome.through}")
            continue
        if document is None:
            failure = outcome.failure
            lines.append(f"{outcome.file}: NOT IMPORTED [{failure.kind}] {failure.message}" if failure else "")
            continue
        problems = _problems_of(result, outcome)
        imported = _plural(len(document.operations), "operation")
        lines.append(f"{outcome.file}: {document.format}, {imported} imported, {_plural(len(problems), 'warning')}")
        lines.extend(f"  {op.method.upper():<7} {op.path}  {op.summary}{_line(op)}" for op in document.operations)
        lines.extend(f"  ! line {problem.line or '-'} [{problem.kind}] {problem.message}" for problem in problems)
    if across := [problem for problem in result.problems if problem.file is None]:
        lines += ["", f"Across documents: {_plural(len(across), 'warning')}"]
        lines.extend(f"  ! [{problem.kind}] {problem.message}" for problem in across)
    summary = _draft_summary(result.draft, invalid)
    lines.append("")
    if summary["written"]:
        servers = ", ".join(summary["servers"]) or "none"
        validity = f"NOT valid OpenAPI 3.0.3: {invalid}" if invalid else "valid OpenAPI 3.0.3"
        lines.append(
            f"Draft: {_plural(summary['paths'], 'path')}, {_plural(summary['operations'], 'operation')}, "
            f"servers: {servers}; {validity}"
        )
    else:
        lines.append("Draft: not written (no document could be imported)")
    imported = len(result.documents)
    kinds = Counter(str(problem.kind) for problem in result.problems)
    by_kind = f" ({', '.join(f'{kind} {count}' for kind, count in sorted(kinds.items()))})" if kinds else ""
    lines.append(
        f"Result: {imported} of {len(result.outcomes)} documents imported, "
        f"{_plural(len(result.problems), 'warning')}{by_kind}"
    )
    return "\n".join(lines) + "\n"
