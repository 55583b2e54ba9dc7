"""Reading the files users hand the importer, which may come from anywhere: a size limit, no binary
files, UTF-8 only (a byte-order mark is allowed). Every refusal is an :class:`ImportFailure` that
says why; nothing is read past :data:`MAX_BYTES`."""

from __future__ import annotations

from pathlib import Path

from specmock.importers.problems import ImportFailure, ImportProblem, Kind

MAX_BYTES = 4 * 1024 * 1024
"""The largest document imported (4 MiB): legacy documentation pages are far smaller; a larger file
is refused before it is read whole."""


def read_source(path: Path, what: str | None = None) -> str:
    """The text of one document; :class:`ImportFailure` when it cannot be read, is too large, is
    binary or is not UTF-8."""
    file = what or str(path)

    def refuse(message: str) -> ImportFailure:
        return ImportFailure(ImportProblem(Kind.UNREADABLE, message, file))

    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_BYTES + 1)
    except OSError as error:
        raise refuse(f"cannot be read: {error.strerror or error}") from None
    if len(data) > MAX_BYTES:
        raise refuse(f"larger than {MAX_BYTES // (1024 * 1024)} MiB: not imported")
    if b"\x00" in data:
        raise refuse("a binary file (it holds NUL bytes), not a document")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise refuse(f"not UTF-8 text (byte {error.start} is {data[error.start]:#04x})") from None


def inside(folder: Path, link: str) -> Path | None:
    """``folder / link`` when it stays inside ``folder`` (links are relative, never ``..``,
    absolute or through a link out of the folder); None otherwise."""
    if not link or "\x00" in link or link.startswith(("/", "\\")) or ":" in link.split("/", 1)[0]:
        return None
    base = folder.resolve()
    target = (base / link).resolve()
    return target if target.is_relative_to(base) and target != base else None
