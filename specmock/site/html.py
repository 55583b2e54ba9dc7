"""HTML helpers of the docs site: escaping, and the bits of Markdown the contract's texts use."""

from __future__ import annotations

import html
import re
from typing import Any

_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")


def e(value: Any) -> str:
    return html.escape(str(value))


def inline(text: str) -> str:
    """Escaped text with Markdown ``code`` spans and **bold** made HTML."""
    escaped = e(text)
    return _BOLD.sub(r"<strong>\1</strong>", _CODE.sub(r"<code>\1</code>", escaped))
