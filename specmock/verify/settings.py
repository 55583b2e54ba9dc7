"""The Schemathesis settings of one run: ``schemathesis.toml`` (the one file both runners read) plus
what a document needs of its own.

Form bodies: Schemathesis's ``negative_data_rejection`` sends values a form cannot tell apart from
valid ones (the boolean ``true`` and the string ``"true"`` are both ``true`` on the wire; a value
that is not an array is one array item; a missing required array is an empty one), and then reports
the server for accepting them. The check is turned off for the operations whose body is a form, and
for those only: every JSON operation keeps it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from specmock.contract.loading import operations
from specmock.verify.target import CONFIG_FILE

FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def form_operations(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """(method, path) of every operation of a document whose request body can be a form."""
    found = []
    for method, path, operation in operations(spec):
        body = operation.get("requestBody") or {}
        if "$ref" in body:
            target: Any = spec
            for part in body["$ref"][2:].split("/"):
                target = target[part]
            body = target
        if any(media.split(";")[0].strip().lower() in FORMS for media in body.get("content", {})):
            found.append((method, path))
    return found


def settings_text(spec: dict[str, Any]) -> str:
    """``schemathesis.toml`` with this document's per-operation settings after it."""
    text = CONFIG_FILE.read_text(encoding="utf-8")
    for method, path in form_operations(spec):
        text += ("\n[[operations]]\n# a form body: see specmock/verify/settings.py\n"
                 f"include-method = {json.dumps(method.upper())}\ninclude-path = {json.dumps(path)}\n"
                 "checks.negative_data_rejection.enabled = false\n")
    return text


def write_settings(spec: dict[str, Any], folder: Path, name: str) -> Path:
    path = folder / f"{name}.schemathesis.toml"
    path.write_text(settings_text(spec), encoding="utf-8")
    return path
