"""A document's contract decisions (``x-specmock-notes``) as a table people read at a glance:
topic, what the source document says, what the contract does, and why. Each row has an anchor
(``#decision-<topic>``) so that a decision can be linked from a review, a ticket or a chat."""

from __future__ import annotations

from specmock.contract.model import Document
from specmock.site.html import e, inline


def decisions_table(document: Document) -> str:
    notes = document.manifest.notes
    if not notes:
        return ""
    rows = "".join(
        f'<tr id="{e(note.slug)}"><th scope="row">{inline(note.topic)}'
        f'<a class="anchor" href="#{e(note.slug)}" title="Link to this decision">&para;</a></th>'
        f"<td>{inline(note.document)}</td><td>{inline(note.decision)}</td><td>{inline(note.why)}</td></tr>"
        for note in notes)
    source = f" (source document <code>{e(document.manifest.source)}</code>)" if document.manifest.source else ""
    return (f'<details class="decisions" open><summary>Contract decisions: {len(notes)}{source}</summary>'
            '<table class="decisions"><thead><tr><th>Topic</th><th>What the document says</th>'
            "<th>What the contract does</th><th>Why</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></details>")


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def decisions_markdown(document: Document) -> str:
    """The same table in Markdown, appended to the served document's description for other tools."""
    notes = document.manifest.notes
    if not notes:
        return ""
    rows = [f"| {_cell(note.topic)} | {_cell(note.document)} | {_cell(note.decision)} | {_cell(note.why)} |"
            for note in notes]
    return "\n".join(["", "", "## Contract decisions", "",
                      "| Topic | What the document says | What the contract does | Why |", "|---|---|---|---|", *rows])


def served(document: Document) -> dict:
    """The document as ``/docs/<name>/openapi.json`` serves it: its decisions in its description."""
    table = decisions_markdown(document)
    if not table:
        return document.spec
    info = document.spec.get("info", {})
    return {**document.spec, "info": {**info, "description": str(info.get("description", "")).rstrip() + table}}
