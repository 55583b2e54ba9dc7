"""Markdown reading shared by the importers: markdown-it syntax trees, the text of ``<pre>`` blocks
in markdown, and telling an HTML page from text."""

from __future__ import annotations

import html
import re

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from specmock.importers.model import Document, Operation
from specmock.importers.problems import Kind

_PRE_START = re.compile(r"<pre\b[^<>]*>", re.I)
_PRE_END = re.compile(r"</pre\s*>", re.I)
_TAG = re.compile(r"<[^<>]+>")
_ENTITY = re.compile(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_HTML = re.compile(r"<(html|body|h[1-6]|table|div|p)\b[^<>]*>", re.I)


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
    found = []
    start = _PRE_START.search(block)
    while start and (end := _PRE_END.search(block, start.end())):
        found.append(block[start.end() : end.start()])
        start = _PRE_START.search(block, end.end())
    return "\n".join(unescape(text) for text in found) if found else unescape(_TAG.sub("", block))


def looks_like_html(text: str) -> bool:
    return bool(_HTML.search(text))


class MarkdownReader:
    """What the Markdown-based parsers share: the document being read, the operation being
    filled in, and warnings that name that operation."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.operation: Operation | None = None

    def warn(self, kind: Kind, message: str, line: int | None) -> None:
        where = f"{self.operation.title}: " if self.operation else ""
        self.document.warn(kind, f"{where}{message}", line)
