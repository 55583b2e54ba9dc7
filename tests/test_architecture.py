"""The layer rules of ARCHITECTURE.md, kept true: what may import what, and no engine module that
names an API of the bundled contract."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.requirements import ROOT

SHARED = {"specmock.auth", "specmock.problems", "specmock.schema_check", "specmock.store", "specmock.jsonio"}
RULES = {  # layer -> the specmock modules (prefixes) it may import besides itself
    "specmock.contract": {"specmock.jsonio"},
    "specmock.behaviours": {"specmock.contract", *SHARED},
    "specmock.importers": set(),
}
API_WORDS = re.compile(r"content_request|provider_request|sharing_image|image_request|downloads?_|image_ids|"
                       r"TOKEN_FETCHED|kruchina", re.IGNORECASE)


def modules(folder: str, package: str) -> dict[str, Path]:
    base = ROOT / folder
    found = {}
    for path in base.rglob("*.py"):
        parts = path.relative_to(base).with_suffix("").parts
        name = ".".join([package, *parts]).removesuffix(".__init__")
        found[name] = path
    return found


ENGINE = modules("specmock", "specmock")


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return {name for name in names if name == "specmock" or name.startswith("specmock.")}


def _within(name: str, prefixes: set[str]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


@pytest.mark.parametrize("layer", sorted(RULES))
def test_a_layer_imports_only_what_it_may(layer):
    allowed = RULES[layer] | {layer}
    wrong = {name: sorted(n for n in imported(path) if not _within(n, allowed))
             for name, path in ENGINE.items() if _within(name, {layer})}
    assert {name: found for name, found in wrong.items() if found} == {}


def test_nothing_of_specmock_imports_the_bundled_domain():
    assert {name: sorted(n for n in imported(path) if _within(n, {"specmock.media"}))
            for name, path in ENGINE.items() if any(_within(n, {"specmock.media"}) for n in imported(path))} == {}


def test_the_bundled_domain_imports_no_engine_internals():
    internals = {"specmock.engine", "specmock.site", "specmock.verify.runner"}
    domain = modules("handlers", "specmock.media")
    assert {name: sorted(n for n in imported(path) if _within(n, internals))
            for name, path in domain.items() if any(_within(n, internals) for n in imported(path))} == {}


def test_no_engine_module_names_an_api_of_the_bundled_contract():
    named = {name: sorted(set(API_WORDS.findall(path.read_text(encoding="utf-8"))))
             for name, path in ENGINE.items() if API_WORDS.search(path.read_text(encoding="utf-8"))}
    assert named == {}
