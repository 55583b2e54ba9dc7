"""HTML pages as element trees, built with the standard library's tolerant tokenizer.

Browsers close ``<p>``, ``<li>``, ``<td>`` and ``<tr>`` implicitly and never nest void elements;
this builder does the same, ignores end tags it has no open element for, and stops nesting at
:data:`MAX_DEPTH` (deeper elements become siblings), so a hostile page cannot make the tree, or any
walk over it, arbitrarily deep."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

MAX_DEPTH = 64
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"})
HIDDEN = frozenset({"head", "script", "style", "template", "noscript"})
CLOSED_BY = {
    "p": frozenset({"p", "div", "ul", "ol", "table", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "dl"}),
    "li": frozenset({"li"}),
    "td": frozenset({"td", "th", "tr"}),
    "th": frozenset({"td", "th", "tr"}),
    "tr": frozenset({"tr", "tbody", "thead", "tfoot"}),
    "dt": frozenset({"dt", "dd"}),
    "dd": frozenset({"dt", "dd"}),
}
"""An open element (key) is closed when one of these starts."""
SCOPES = frozenset({"table", "ul", "ol", "dl", "div", "body", "html"})
"""Implicit closing does not reach past these (a ``<li>`` in a nested list does not close the outer one)."""


@dataclass
class Element:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Element | str] = field(default_factory=list)
    line: int = 1

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def elements(self) -> list[Element]:
        return [child for child in self.children if isinstance(child, Element)]

    def text(self) -> str:
        """The text a browser shows for this element, white space folded (``<br>`` as a space)."""
        return " ".join("".join(_texts(self, verbatim=False)).split())

    def raw_text(self) -> str:
        """The text as written, white space kept (for ``<pre>``)."""
        return "".join(_texts(self, verbatim=True))

    def walk(self) -> Iterator[Element]:
        """This element and every element under it, in document order."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.elements()))


def _texts(root: Element, verbatim: bool) -> Iterator[str]:
    stack: list[Element | str] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            yield node
        elif node.tag == "br":
            yield "\n" if verbatim else " "
        else:
            if not verbatim and node is not root and node.tag in ("p", "li", "div", "tr", "td", "th"):
                yield " "
            stack.extend(reversed(node.children))


def parse_html(page: str) -> Element:
    """The element tree of a page (a ``document`` element holding everything)."""
    builder = _Builder()
    builder.feed(page)
    builder.close()
    return builder.root


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("document")
        self.open: list[Element] = [self.root]
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN:
            self.hidden += 1
            return
        if self.hidden:
            return
        self._close_implied(tag)
        element = Element(tag, {name: value or "" for name, value in attrs}, line=self.getpos()[0])
        self.open[-1].children.append(element)
        if tag not in VOID and len(self.open) < MAX_DEPTH:
            self.open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.hidden and tag not in HIDDEN:
            self._close_implied(tag)
            self.open[-1].children.append(Element(tag, {n: v or "" for n, v in attrs}, line=self.getpos()[0]))

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN:
            self.hidden = max(0, self.hidden - 1)
            return
        if self.hidden:
            return
        for depth in range(len(self.open) - 1, 0, -1):
            if self.open[depth].tag == tag:
                del self.open[depth:]
                return

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.open[-1].children.append(data)

    def _close_implied(self, tag: str) -> None:
        closing = True
        while closing:
            closing = False
            for depth in range(len(self.open) - 1, 0, -1):
                current = self.open[depth].tag
                if tag in CLOSED_BY.get(current, ()):
                    del self.open[depth:]
                    closing = True
                    break
                if current in SCOPES:
                    break
