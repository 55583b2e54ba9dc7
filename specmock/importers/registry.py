"""The registry of document formats: each importer registers a name, a detection function and a
parse function with the :func:`importer` decorator; ``auto`` picks the best detection score."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from specmock.importers.model import Document

Parser = Callable[[str, str], Document]
"""``parse(text, file) -> Document``: never raises on odd input, records problems instead."""
Detector = Callable[[str], float]
"""``detect(text) -> score``: 0 (not this format) to 1 (certainly this format)."""
MIN_SCORE = 0.5


@dataclass(frozen=True)
class Importer:
    name: str
    detect: Detector
    parse: Parser


class Registry:
    """The known formats, in registration order."""

    __slots__ = ("_items",)

    def __init__(self) -> None:
        self._items: dict[str, Importer] = {}

    def register(self, name: str, *, detect: Detector) -> Callable[[Parser], Parser]:
        """Register the decorated function as the parser of format ``name``."""

        def decorate(parse: Parser) -> Parser:
            self._items[name] = Importer(name, detect, parse)
            return parse

        return decorate

    def names(self) -> list[str]:
        return list(self._items)

    def get(self, name: str) -> Importer:
        return self._items[name]

    def detect(self, text: str) -> Importer | None:
        """The format that scores best on ``text`` (the first registered on a tie), or None when
        none scores at least :data:`MIN_SCORE`."""
        scored = [(entry.detect(text), entry) for entry in self._items.values()]
        score, best = max(scored, key=lambda pair: pair[0], default=(0.0, None))
        return best if score >= MIN_SCORE else None


IMPORTERS = Registry()
importer = IMPORTERS.register
