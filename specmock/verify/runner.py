"""`specmock verify`: run Schemathesis's engine, one API at a time, and sum up what it found.

Schemathesis does the generation, the phases and the checks (with specmock's domain checks loaded
from ``specmock/verify/schemathesis.toml``); this module only prepares each run, streams its output,
and turns the JUnit results of all runs into one summary, one JUnit file and one report.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from specmock.verify.context import ENV
from specmock.verify.results import ApiResult, read_junit
from specmock.verify.settings import refused_urls, write_settings
from specmock.verify.target import CONFIG_FILE, Target, UsageError, parse_header


@dataclass
class RunOptions:
    max_examples: int | None = None
    seed: int | None = None
    workers: int | None = None
    junit: Path | None = None
    report: Path | None = None
    extra: list[str] = field(default_factory=list)


def schemathesis_command(target: Target, api: str, spec_file: Path, junit: Path, options: RunOptions,
                         config: Path = CONFIG_FILE) -> list[str]:
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "--no-color",
        "run", str(spec_file), "--url", target.api_url(api), "--phases", ",".join(target.phases),
        "--report", "junit", "--report-junit-path", str(junit),
    ]
    for header in target.headers_for(api):
        command += ["--header", header]
    if options.max_examples is not None:
        command += ["--max-examples", str(options.max_examples)]
    if options.seed is not None:
        command += ["--seed", str(options.seed)]
    if options.workers is not None:
        command += ["--workers", str(options.workers)]
    return command + options.extra


def check_settings(target: Target, api: str) -> dict[str, object]:
    """What the checks of one run need to know (``specmock.verify.context``): both callers' headers
    and the document's domain check modules."""
    second = target.second_headers_for(api)
    checks = target.contract.documents[api].manifest.checks
    return {"first": dict(parse_header(h) for h in target.headers_for(api)),
            "second": dict(parse_header(h) for h in second) if second is not None else None,
            "checks": [checks] if checks else []}


def run_api(target: Target, api: str, workdir: Path, options: RunOptions, out: TextIO) -> ApiResult:
    spec_file = workdir / f"{api}.json"
    spec_file.write_text(json.dumps(target.spec(api)))
    junit = workdir / f"{api}.xml"
    out.write(f"\n=== specmock verify: {api} at {target.api_url(api)}\n")
    out.flush()
    lines = []
    env = {**os.environ, ENV: json.dumps(check_settings(target, api))}
    refused = refused_urls(target.spec(api))
    config = write_settings(target.spec(api), workdir, api, refused)
    for url in refused[:1]:
        out.write(f"Links from URLs in answers are not followed: the examples answer {url}\n")
    with subprocess.Popen(schemathesis_command(target, api, spec_file, junit, options, config), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors="replace", env=env) as process:
        for line in process.stdout:  # streamed: a long run shows its progress as it goes
            out.write(line)
            lines.append(line)
    if junit.exists():
        result = read_junit(api, junit, process.returncode)
        result.errored |= process.returncode != 0 and not result.findings
    else:
        result = ApiResult(api, process.returncode, errored=True)
    result.output = "".join(lines)
    return result


def verify(target: Target, options: RunOptions, out: TextIO | None = None) -> int:
    """0: the implementation honours the contract; 1: it violates it; 2: the run could not happen."""
    out = out or sys.stdout
    try:
        target.probe()
    except UsageError as error:
        out.write(f"specmock verify: {error}\n")
        return 2
    from specmock.verify.checks import load_domain_checks

    # The domain failures' codes name their checks in the summary, as the built-in ones do.
    load_domain_checks(m for m in (target.contract.documents[api].manifest.checks for api in target.apis) if m)
    with tempfile.TemporaryDirectory(prefix="specmock-verify-") as tmp:
        results = [run_api(target, api, Path(tmp), options, out) for api in target.apis]
    from specmock.verify.report import summary, write_junit, write_report

    out.write(summary(target, results))
    if options.junit:
        write_junit(results, options.junit)
    if options.report:
        write_report(target, results, options.report)
    if any(result.errored for result in results):
        return 2
    return 1 if any(result.findings for result in results) else 0
