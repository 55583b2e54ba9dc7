"""HTML pages as element trees, parsed by libxml2 (through lxml): it recovers from broken markup as
browsers do, in linear time (the standard library's tokenizer slows down quadratically on pages
full of unclosed tags), and refuses to nest deeper than 256 levels. The tree is copied into
:class:`Element` nodes, no deeper than :data:`MAX_DEPTH` (deeper content is kept as text), without
``<head>``, scripts, styles and comments."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree

MAX_DEPTH = 64
HIDDEN = frozenset({"head", "script", "style", "template", "noscript"})


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
    document = Element("document")
    parser = etree.HTMLParser(recover=True, no_network=True, remove_comments=True, remove_pis=True, encoding="utf-8")
    try:
        root = etree.fromstring(page.encode("utf-8", "replace"), parser)
    except etree.Error:
        root = None
    if root is not None:
        _copy(root, document)
    return document


def _copy(source: etree._Element, target: Element) -> None:
    """Copy ``source`` under ``target`` without recursion: the nodes to copy, and the text after
    each (its tail), wait on a stack in document order."""
    stack: list[tuple[etree._Element | str, Element, int]] = [(source, target, 1)]
    while stack:
        node, parent, depth = stack.pop()
        if isinstance(node, str):
            parent.children.append(node)
            continue
        if not isinstance(node.tag, str) or node.tag.lower() in HIDDEN:
            continue
        if depth > MAX_DEPTH:
            parent.children.append(" ".join("".join(node.itertext()).split()))
            continue
        element = Element(node.tag.lower(), {str(k): str(v) for k, v in node.attrib.items()}, line=node.sourceline or 1)
        parent.children.append(element)
        if node.text:
            element.children.append(node.text)
        for child in reversed(list(node)):
            if child.tail:
                stack.append((child.tail, element, depth + 1))
            stack.append((child, element, depth + 1))
