"""What one Schemathesis run found, read back from its JUnit file."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

_CASE = re.compile(r"^\d+\. Test Case ID: (\S+)", re.MULTILINE)
_FAILURE = re.compile(r"^- (ST\d+) (.+)$", re.MULTILINE)


@dataclass(frozen=True)
class Finding:
    """One failing test case: where, which checks, and how to reproduce it."""

    api: str
    operation: str
    case_id: str
    codes: tuple[str, ...]
    titles: tuple[str, ...]
    curl: tuple[str, ...]
    details: str

    @property
    def checks(self) -> tuple[str, ...]:
        names = [name for code in self.codes for name in check_names(code)]
        return tuple(dict.fromkeys(names)) or self.codes


@dataclass
class ApiResult:
    api: str
    exit_code: int
    findings: list[Finding] = field(default_factory=list)
    tests: int = 0
    errored: bool = False
    output: str = ""


def _codes() -> dict[str, tuple[str, ...]]:
    """Failure code -> the checks that report it, for every failure class defined so far (the
    domain check modules a document names add theirs when imported): a walk over a few dozen
    classes, cheap enough to repeat for each finding."""
    import schemathesis.specs.openapi.checks  # noqa: F401  (registers the built-in failures)
    from schemathesis.core.failures import Failure

    import specmock.verify.checks  # noqa: F401

    def walk(cls: type) -> list[type]:
        return [sub for child in cls.__subclasses__() for sub in (child, *walk(child))]

    codes: dict[str, list[str]] = {}
    for failure in walk(Failure):
        codes.setdefault(failure.code, []).extend(failure.checks)
    return {code: tuple(dict.fromkeys(names)) for code, names in codes.items()}


def check_names(code: str) -> tuple[str, ...]:
    """The checks that report a Schemathesis failure code (``ST202`` -> positive_data_acceptance)."""
    return _codes().get(code, ())


def parse_failure_text(api: str, operation: str, text: str) -> list[Finding]:
    starts = list(_CASE.finditer(text))
    findings = []
    for index, start in enumerate(starts):
        block = text[start.start(): starts[index + 1].start() if index + 1 < len(starts) else len(text)]
        failures = _FAILURE.findall(block)
        curl = tuple(line.strip() for line in block.splitlines() if line.strip().startswith("curl "))
        findings.append(Finding(
            api=api, operation=operation, case_id=start.group(1),
            codes=tuple(code for code, _ in failures), titles=tuple(title for _, title in failures),
            curl=curl, details=block.strip(),
        ))
    return findings


def read_junit(api: str, path: Path, exit_code: int) -> ApiResult:
    result = ApiResult(api, exit_code)
    for case in ET.parse(path).iter("testcase"):
        result.tests += 1
        for outcome in case:
            if outcome.tag in ("failure", "error"):
                text = outcome.text or outcome.get("message", "")
                found = parse_failure_text(api, case.get("name", "?"), text)
                result.findings += found or [Finding(api, case.get("name", "?"), "-", (), (outcome.tag,), (), text)]
                result.errored |= outcome.tag == "error" and not found
    return result
