"""Markdown and HTML reading shared by the importers: markdown-it syntax trees, ``<pre>`` blocks,
and HTML pages as lines of text."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from specmock.importers.model import Document, Operation
from specmock.importers.problems import Kind

Lines = list[tuple[int, str]]
"""Text lines, each with its 1-based line number in the source document."""

_PRE = re.compile(r"<pre\b[^>]*>(.*?)</pre>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
_ENTITY = re.compile(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_HTML = re.compile(r"<(html|body|h[1-6]|table|div|p)\b[^>]*>", re.I)


def markdown_tree(text: str) -> SyntaxTreeNode:
    """The CommonMark (plus tables) syntax tree of a markdown document."""
    return SyntaxTreeNode(MarkdownIt("commonmark").enable("table").parse(text))


def line_of(node: SyntaxTreeNode) -> int | None:
    """The 1-based line where a markdown node starts."""
    return node.map[0] + 1 if node.map else None


def inline_text(node: SyntaxTreeNode) -> str:
    """A heading's, paragraph's or cell's text as written (markdown marks kept)."""
    return "".join(child.content for child in node.children if child.type == "inline").strip()


def unescape(text: str) -> str:
    """Decode the HTML entities that end with ``;`` only, so a raw form body's ``&notes=1`` stays."""
    return _ENTITY.sub(lambda match: html.unescape(match[0]), text)


def pre_text(block: str) -> str:
    """The text of an HTML block: its ``<pre>`` contents (else its text), entities decoded."""
    found = _PRE.findall(block)
    return "\n".join(unescape(text) for text in found) if found else unescape(_TAG.sub("", block))


def looks_like_html(text: str) -> bool:
    return bool(_HTML.search(text))


def html_lines(page: str) -> Lines:
    """An HTML page as the lines a browser shows: one per block, list items as ``• item``,
    ``<pre>`` kept verbatim; each line numbered where it starts in the page."""
    reader = _TextReader()
    reader.feed(page)
    reader.close()
    return reader.result()


class _TextReader(HTMLParser):
    BLOCKS = frozenset(
        {
            "address",
            "article",
            "aside",
            "blockquote",
            "br",
            "caption",
            "dd",
            "div",
            "dl",
            "dt",
            "footer",
            "form",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "header",
            "hr",
            "li",
            "main",
            "nav",
            "ol",
            "p",
            "pre",
            "section",
            "table",
            "tbody",
            "td",
            "tfoot",
            "th",
            "thead",
            "tr",
            "ul",
        }
    )
    HIDDEN = frozenset({"head", "script", "style", "template", "noscript"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[list] = [[1, "", False]]  # [source line, text, verbatim]
        self.pre = 0
        self.hidden = 0

    def break_line(self) -> None:
        if self.lines[-1][1].strip():
            self.lines.append([self.getpos()[0], "", self.pre > 0])

    def write(self, text: str) -> None:
        current = self.lines[-1]
        if not current[1].strip():
            current[0] = self.getpos()[0]
        current[1] += text

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BLOCKS:
            self.break_line()
            self.pre += tag == "pre"
            self.lines[-1][2] = self.pre > 0
            if tag == "li":
                self.write("• ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS:
            self.pre = max(0, self.pre - (tag == "pre"))
            self.break_line()

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        if self.pre:
            first, *rest = data.split("\n")
            self.write(first)
            line = self.getpos()[0]
            for number, text in enumerate(rest, start=1):
                self.lines.append([line + number, text, True])
            return
        words = " ".join(data.split())
        if words:
            current = self.lines[-1][1]
            gap = " " if data[:1].isspace() and current and not current.endswith(" ") else ""
            self.write(gap + words + (" " if data[-1:].isspace() else ""))

    def result(self) -> Lines:
        return [
            (number, text.rstrip() if verbatim else text.strip())
            for number, text, verbatim in self.lines
            if text.strip() or verbatim
        ]


class MarkdownReader:
    """What the Markdown-based parsers share: the document being read, the operation being
    filled in, and warnings that name that operation."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.operation: Operation | None = None

    def warn(self, kind: Kind, message: str, line: int | None) -> None:
        where = f"{self.operation.title}: " if self.operation else ""
        self.document.warn(kind, f"{where}{message}", line)
