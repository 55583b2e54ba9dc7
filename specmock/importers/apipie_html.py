"""apipie HTML pages, read as element trees: one ``<h1>`` per route of a method (``GET /path`` with
its short description in ``<small>``), then ``<h2>`` sections: ``Examples`` (``<pre>`` blocks),
``Errors`` (a table, or ``code description<br>`` lines), ``Params`` and ``Headers`` tables whose
rows hold the full name with ``required``/``optional`` in the first cell and the description and
``Validations:`` list in the second (a validation may be wrapped in ``<p>``). Navigation (the
breadcrumb, pagers, nav bars, footers) is not content."""

from __future__ import annotations

from specmock.importers.apipie_rules import START, Lines, LineWarn, add_examples, body, errors, need, validation
from specmock.importers.htmltree import Element, parse_html
from specmock.importers.model import Document, Field, Operation, Response
from specmock.importers.problems import Kind

NAVIGATION = frozenset({"breadcrumb", "pager", "pagination", "navbar", "nav", "footer", "sidebar"})
SECTIONS = frozenset(
    {
        "params",
        "headers",
        "errors",
        "examples",
        "supported formats",
        "metadata",
        "request headers",
        "request body example",
        "success response body",
        "error codes",
        "returns",
    }
)
IGNORED = frozenset({"supported formats", "metadata", "returns"})
HEADINGS = ("h2", "h3", "h4", "h5", "h6")


def detect(text: str) -> float:
    root = parse_html(text)
    calls = [heading for heading in root.walk() if heading.tag == "h1" and START.match(_call_text(heading))]
    if not calls:
        return 0.0
    sections = {heading.text().lower() for heading in root.walk() if heading.tag in HEADINGS}
    return 1.0 if sections & SECTIONS else 0.4


def parse(text: str, file: str) -> Document:
    reader = _Reader(Document(file, "apipie"))
    reader.visit(parse_html(text))
    reader.finish()
    return reader.document


def _call_text(heading: Element) -> str:
    """``GET /path`` of an ``<h1>``: its text before the ``<small>`` description."""
    parts = []
    for child in heading.children:
        if isinstance(child, Element) and child.tag in ("small", "br"):
            break
        parts.append(child if isinstance(child, str) else child.text())
    return " ".join("".join(parts).split())


class _Reader:
    def __init__(self, document: Document) -> None:
        self.document = document
        self.calls: list[Operation] = []  # the routes the content being read belongs to
        self.filled = False  # whether content followed the routes' headings yet
        self.section = ""
        self.text: Lines = []

    def warn(self, kind: Kind, message: str, line: int | None) -> None:
        where = "".join(f"{', '.join(operation.title for operation in self.calls)}: " for _ in self.calls[:1])
        self.document.warn(kind, f"{where}{message}", line)

    def visit(self, element: Element) -> None:
        if element.classes & NAVIGATION or element.tag in ("nav", "footer"):
            return
        if element.tag == "h1" and (start := START.match(_call_text(element))):
            self.call(start[1], start[2], element)
        elif element.tag in HEADINGS and element.text().lower() in SECTIONS:
            self.flush()
            self.section = element.text().lower()
        elif element.tag in HEADINGS and self.calls:
            self.flush()
            self.section = ""
            self.describe(element.text(), element.line)
        elif element.tag == "table" and self.calls:
            self.table(element)
        elif element.tag in ("ul", "ol") and self.section in ("params", "headers") and self.calls:
            self.plain_params(element)
        elif element.tag == "pre" and self.calls:
            self.pre(element)
        elif element.tag in ("p", "li", "dd", "dt") and not self.section and self.calls:
            self.describe(element.text(), element.line)
        elif element.tag == "br":
            self.text.append((element.line, ""))
        else:
            for child in element.children:
                if isinstance(child, Element):
                    self.visit(child)
                elif child.strip() and self.calls:
                    self.add_text(child, element.line)

    def add_text(self, text: str, line: int) -> None:
        if self.text and self.text[-1][1]:
            self.text[-1] = (self.text[-1][0], f"{self.text[-1][1]} {' '.join(text.split())}")
        else:
            self.text.append((line, " ".join(text.split())))

    def call(self, method: str, path: str, heading: Element) -> None:
        self.flush()
        if self.filled:
            self.finish()
        small = next((child for child in heading.elements() if child.tag == "small"), None)
        operation = Operation(method.lower(), path, self.document.file, heading.line, small.text() if small else "")
        self.calls.append(operation)
        self.section = ""

    def describe(self, text: str, line: int | None) -> None:
        self.filled = True
        for operation in self.calls:
            operation.describe(text)

    def flush(self) -> None:
        """The loose text of the section just read: error lines, or a description."""
        lines, self.text = [(number, text) for number, text in self.text if text.strip()], []
        if not lines or not self.calls:
            return
        self.filled = True
        if self.section in ("errors", "error codes"):
            for operation in self.calls:
                operation.responses.extend(errors(lines))
        elif not self.section:
            self.describe(" ".join(text for _, text in lines), lines[0][0])
        elif self.section not in IGNORED:
            self.warn(Kind.SKIPPED, f"text in the {self.section} section left out", lines[0][0])

    def table(self, table: Element) -> None:
        self.filled = True
        rows = [row for row in table.walk() if row.tag == "tr" and any(cell.tag == "td" for cell in row.elements())]
        if self.section in ("params", "headers"):
            location = "header" if self.section == "headers" else None
            fields = [found for row in rows if (found := self.param(row, location))]
            for operation in self.calls:
                operation.fields.extend(fields)
        elif self.section in ("errors", "error codes"):
            lines = [(row.line, row.text()) for row in rows]
            for operation in self.calls:
                operation.responses.extend(errors(lines))
        elif self.section not in IGNORED:
            self.warn(Kind.SKIPPED, f"table in the {self.section or 'description'} left out", table.line)

    def param(self, row: Element, location: str | None) -> Field | None:
        """A row: ``<strong>full name</strong><br><small>required, nil allowed</small>``, then the
        description and its ``Validations:`` list."""
        cells = [cell for cell in row.elements() if cell.tag in ("td", "th")]
        if len(cells) < 2:
            self.warn(Kind.SKIPPED, f"param row {row.text()!r} left out", row.line)
            return None
        name_cell, described = cells[0], cells[1]
        strong = next((child for child in name_cell.walk() if child.tag in ("strong", "b", "code")), None)
        name = (strong.text() if strong else name_cell.text().split(" ")[0]).strip()
        if not name:
            return None
        found = Field(name, location, line=row.line)
        small = next((child for child in name_cell.walk() if child.tag == "small"), None)
        if small is not None and not need(found, small.text()):
            self.warn(Kind.SKIPPED, f"param {name}: note {small.text()!r} not understood", row.line)
        self.param_description(found, described)
        return found

    def plain_params(self, listing: Element) -> None:
        """apipie's plain view: ``<li><strong>name</strong>: <small>required [ Must be a String ]</small>
        description</li>``, nested lists for nested params."""
        self.filled = True
        location = "header" if self.section == "headers" else None
        for item in (element for element in listing.walk() if element.tag == "li"):
            strong = next((child for child in item.elements() if child.tag in ("strong", "b", "code")), None)
            if strong is None or not strong.text():
                self.warn(Kind.SKIPPED, f"param item {item.text()!r} left out", item.line)
                continue
            found = Field(strong.text().strip(), location, line=item.line)
            small = next((child for child in item.elements() if child.tag == "small"), None)
            note, _, rule = (small.text() if small else "").partition("[")
            if note.strip() and not need(found, note.strip()):
                self.warn(Kind.SKIPPED, f"param {found.name}: note {note.strip()!r} not understood", item.line)
            if rule.strip().rstrip("]").strip():
                validation(found, rule.strip().rstrip("]").strip(), item.line, self.warn)
            rest = [c if isinstance(c, str) else c.text() for c in item.children if c is not strong and c is not small]
            found.description = " ".join(" ".join(rest).split()).lstrip(":").strip()
            for operation in self.calls:
                operation.fields.append(found)

    def param_description(self, found: Field, cell: Element) -> None:
        validating = False
        warn: LineWarn = self.warn
        for child in cell.elements():
            text = child.text()
            if child.tag in ("ul", "ol") and validating:
                for item in (item for item in child.elements() if item.tag == "li"):
                    validation(found, item.text(), item.line, warn)
            elif text.rstrip(":").lower() == "validations":
                validating = True
            elif text.lower().startswith("example:"):
                found.schema["example"] = text.split(":", 1)[1].strip()
            elif text and child.tag not in ("br",):
                found.description = f"{found.description} {text}".strip()
        loose = " ".join(part.strip() for part in cell.children if isinstance(part, str) and part.strip())
        if loose:
            found.description = f"{found.description} {loose}".strip()

    def pre(self, block: Element) -> None:
        self.filled = True
        text = block.raw_text()
        lines = [(block.line + number, line) for number, line in enumerate(text.splitlines())]
        if self.section == "examples":
            add_examples(self.calls, lines, self.warn)
        elif self.section in ("request body example", "success response body"):
            where = self.section

            def located(kind: Kind, note: str) -> None:
                self.warn(kind, f"{where}: {note}", block.line)

            found = body(lines, located)
            for operation in self.calls:
                if self.section == "request body example":
                    operation.requests.extend([found] if found else [])
                else:
                    operation.responses.append(Response(200, "Success", found, line=block.line))
        else:
            self.describe(text, block.line)

    def finish(self) -> None:
        self.flush()
        self.document.operations.extend(self.calls)
        self.calls, self.filled, self.section = [], False, ""
