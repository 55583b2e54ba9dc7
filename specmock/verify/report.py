"""The verify summary for the terminal, one JUnit file for CI, and a Markdown or HTML report."""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from pathlib import Path

from specmock.verify.results import ApiResult, Finding
from specmock.verify.target import Target


def _verdict(result: ApiResult) -> str:
    if result.errored:
        return "ERROR"
    return f"{len(result.findings)} failure(s)" if result.findings else "ok"


def summary(target: Target, results: list[ApiResult]) -> str:
    lines = ["", "=" * 72, f"specmock verify {target.base_url}", "=" * 72]
    for result in results:
        lines.append(f"{result.api:<20} {_verdict(result)}")
    for finding in (f for result in results for f in result.findings):
        lines += ["", f"FAIL {finding.api}: {finding.operation}",
                  f"  check: {', '.join(finding.checks)} ({'; '.join(finding.titles) or 'see details'})"]
        lines += [f"  reproduce: {curl}" for curl in finding.curl]
    total = sum(len(result.findings) for result in results)
    if target.headers and not target.second_headers:
        lines += ["", "One user only: the checks that one user cannot reach another's data did not run "
                      "(give a second user's credentials with --second-header)."]
    if any(result.errored for result in results):
        lines += ["", "Some runs could not complete (see their output above): exit 2."]
    elif total:
        lines += ["", f"{total} contract violation(s): exit 1. Credentials in curl lines are shown as [Filtered]."]
    else:
        lines += ["", "The implementation honours the contract: exit 0."]
    return "\n".join(lines) + "\n"


def write_junit(results: list[ApiResult], path: Path) -> None:
    """One ``testsuite`` per API, one ``testcase`` per failure (or one passing case per API)."""
    root = ET.Element("testsuites", name="specmock verify")
    for result in results:
        suite = ET.SubElement(root, "testsuite", name=result.api, tests=str(max(result.tests, 1)),
                              failures=str(len(result.findings)), errors=str(int(result.errored)))
        if not result.findings:
            case = ET.SubElement(suite, "testcase", classname=result.api, name="contract")
            if result.errored:
                ET.SubElement(case, "error", message="run did not complete").text = result.output[-4000:]
        for finding in result.findings:
            case = ET.SubElement(suite, "testcase", classname=result.api,
                                 name=f"{finding.operation} [{', '.join(finding.checks)}]")
            ET.SubElement(case, "failure", message="; ".join(finding.titles)).text = finding.details
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def _markdown(target: Target, results: list[ApiResult]) -> str:
    lines = [f"# specmock verify: {target.base_url}", "", "| API | result |", "|---|---|"]
    lines += [f"| {result.api} | {_verdict(result)} |" for result in results]
    for finding in (f for result in results for f in result.findings):
        lines += ["", f"## {finding.api}: `{finding.operation}`", "",
                  f"**Check:** {', '.join(f'`{c}`' for c in finding.checks)}: {'; '.join(finding.titles)}", "",
                  "```", *finding.curl, "```", "", "<details><summary>details</summary>", "", "```",
                  finding.details, "```", "", "</details>"]
    return "\n".join(lines) + "\n"


def _html_finding(finding: Finding) -> str:
    e = html.escape
    return (f"<section><h2>{e(finding.api)}: <code>{e(finding.operation)}</code></h2>"
            f"<p><b>Check:</b> {e(', '.join(finding.checks))}: {e('; '.join(finding.titles))}</p>"
            f"<pre>{e(chr(10).join(finding.curl))}</pre>"
            f"<details><summary>details</summary><pre>{e(finding.details)}</pre></details></section>")


def _html(target: Target, results: list[ApiResult]) -> str:
    e = html.escape
    rows = "".join(f"<tr><td>{e(r.api)}</td><td>{e(_verdict(r))}</td></tr>" for r in results)
    findings = "".join(_html_finding(f) for r in results for f in r.findings)
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>specmock verify</title></head><body>"
            f"<h1>specmock verify: {e(target.base_url)}</h1><table><tr><th>API</th><th>result</th></tr>{rows}"
            f"</table>{findings}</body></html>\n")


def write_report(target: Target, results: list[ApiResult], path: Path) -> None:
    """Markdown for ``.md`` paths, HTML otherwise."""
    path.parent.mkdir(parents=True, exist_ok=True)
    render = _markdown if path.suffix.lower() in (".md", ".markdown") else _html
    path.write_text(render(target, results), encoding="utf-8")
