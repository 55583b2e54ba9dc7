"""Reading a database at start: the snapshot file, then its journal replayed over it.

What cannot have been acknowledged is dropped with a warning: a final journal line cut short (its
write never finished, so it was never answered). Anything else that does not read as the data
specmock writes is damage: the file or the journal was changed by something else, or the disk lost
what it had confirmed. Damage is reported with the file, the place and the way out (``refusal``),
and nothing is changed; ``recover`` sets the damaged file aside and keeps what is sound.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from specmock.durable import atomic_write, move_aside, truncate
from specmock.jsonio import dumps, loads

Tables = dict[str, dict[str, Any]]
RECOVER_OPTION = "--db-recover (or SPECMOCK_DB_RECOVER=true)"


@dataclass(frozen=True)
class Damage:
    path: Path
    where: str  # "line 3 (byte 120)", "table 'users', document '7'"
    what: str


@dataclass
class Loaded:
    data: Tables
    snapshot_exists: bool
    entries: int = 0  # documents written by the journal's sound lines
    lines: int = 0  # the journal's sound lines
    sound_length: int = 0  # bytes of the journal that read well
    torn: int = 0  # bytes of a final line cut short
    damage: Damage | None = None  # the first damage found
    snapshot_damaged: bool = False
    journal_damaged: bool = False
    notes: list[str] = field(default_factory=list)


class _Unreadable(ValueError):
    """Not the JSON expected; ``where`` within the text when the parser says."""

    def __init__(self, reason: str, where: str = "") -> None:
        super().__init__(reason)
        self.where = where


def load(path: Path, journal: Path) -> Loaded:
    """The data ``path`` and ``journal`` hold, and the first damage found (if any): with a damaged
    snapshot, the journal is replayed over nothing, as recovery would keep it."""
    data, damage = _read_snapshot(path)
    loaded = Loaded(data or {}, path.exists(), damage=damage, snapshot_damaged=damage is not None)
    try:
        raw = journal.read_bytes()
    except FileNotFoundError:
        return loaded
    *complete, tail = raw.split(b"\n")
    for number, line in enumerate(complete, 1):
        try:
            groups = _groups(_parse(line))
        except _Unreadable as problem:
            where = f"line {number} (byte {loaded.sound_length})"
            loaded.damage = loaded.damage or Damage(journal, where, f"not a journal entry: {problem}")
            loaded.journal_damaged = True
            return loaded
        for table, changed in groups:
            for doc_id, doc in changed.items():
                if doc is None:
                    loaded.data.get(table, {}).pop(doc_id, None)
                else:
                    loaded.data.setdefault(table, {})[doc_id] = doc
            loaded.entries += len(changed)
        loaded.lines += 1
        loaded.sound_length += len(line) + 1
    loaded.torn = len(tail)
    return loaded


def refusal(loaded: Loaded) -> str:
    """One paragraph: what is damaged, where, and the ways out."""
    damage = loaded.damage
    assert damage is not None
    if not loaded.snapshot_damaged:
        kept = f"the file and the {_lines(loaded.lines)} of the journal before the damage"
    elif loaded.lines:
        kept = f"the {_lines(loaded.lines)} of its journal (the writes since the file's last snapshot)"
    else:
        kept = "the fixtures, as on a first start"
    return (f"the database {damage.path} is damaged at {damage.where}: {damage.what}. The server did not start "
            f"and changed nothing. Start it with --db naming another file, or add {RECOVER_OPTION} to move the "
            f"damaged file aside to {damage.path.name}.damaged-<time> and start from what is sound: {kept}.")


def _lines(count: int) -> str:
    return f"{count} line" if count == 1 else f"{count} lines"


def recover(path: Path, journal: Path, loaded: Loaded) -> None:
    """Set the damaged file aside and write what is sound as the new snapshot, in an order that a
    crash at any point leaves either the damaged files or the recovered ones."""
    damage = loaded.damage
    assert damage is not None
    if loaded.snapshot_damaged:
        loaded.notes.append(f"moved the damaged {path} aside to {move_aside(path, 'damaged')}; starting from "
                            f"the {_lines(loaded.lines)} of its journal")
    atomic_write(path, dumps(loaded.data))  # what is sound, first: from here on nothing of it can be lost
    if loaded.journal_damaged:
        loaded.notes.append(f"moved the damaged {journal} aside to {move_aside(journal, 'damaged')}; kept the "
                            f"{_lines(loaded.lines)} before the damage")
    elif journal.exists():  # its lines are in the new file now (replaying them again would change nothing)
        _truncate(journal, 0)
    loaded.sound_length = loaded.entries = loaded.torn = 0
    loaded.snapshot_exists = True


def drop_torn_line(journal: Path, loaded: Loaded) -> None:
    _truncate(journal, loaded.sound_length)
    loaded.notes.append(f"dropped the last line of {journal} ({loaded.torn} bytes at byte {loaded.sound_length}): a "
                        "write cut short by a crash, never acknowledged")
    loaded.torn = 0


def _truncate(path: Path, length: int) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        truncate(fd, length)
    finally:
        os.close(fd)


def _read_snapshot(path: Path) -> tuple[Tables | None, Damage | None]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, None
    if not raw.strip():
        what = "the file is empty" if not raw else "the file holds only white space"
        return None, Damage(path, "byte 0", f"{what} (specmock writes at least {{}})")
    try:
        data = _parse(raw)
    except _Unreadable as problem:
        return None, Damage(path, problem.where, str(problem))
    problem = _tables_problem(data)
    return (None, Damage(path, *problem)) if problem else (data, None)


def _parse(raw: bytes) -> Any:
    """JSON text; orjson first, the standard library for what orjson refuses (lone surrogates, which
    ``specmock.jsonio.dumps`` writes as escapes)."""
    try:
        return loads(raw)
    except json.JSONDecodeError as error:
        try:
            return json.loads(raw)
        except ValueError:
            raise _Unreadable(f"not valid JSON: {error.msg}",
                              f"line {error.lineno}, column {error.colno} (byte {error.pos})") from None


def _kind(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number")


def _is_doc_id(key: str) -> bool:
    return key.isascii() and key.isdigit()


def _tables_problem(data: Any) -> tuple[str, str] | None:
    if not isinstance(data, dict):
        return "byte 0", f"it holds {_kind(data)}, not TinyDB's object of tables"
    for name, table in data.items():
        if not isinstance(table, dict):
            return f"table {name!r}", f"the table is {_kind(table)}, not an object of documents by id"
        for doc_id, doc in table.items():
            if not _is_doc_id(doc_id):
                return f"table {name!r}, document {doc_id!r}", "a document id must be a whole number"
            if not isinstance(doc, dict):
                return f"table {name!r}, document {doc_id!r}", f"the document is {_kind(doc)}, not an object"
            if not _is_record_id(doc.get("id")):
                return f"table {name!r}, document {doc_id!r}", "the record has no id (every record specmock writes has)"
    return None


def _is_record_id(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def _groups(parsed: Any) -> list[tuple[str, dict[str, Any]]]:
    """The writes of one journal line: ``[[table, {doc id: doc or null}], ...]``, or one such pair
    alone (the line format before group commit)."""
    groups = [parsed] if isinstance(parsed, list) and parsed and isinstance(parsed[0], str) else parsed
    if not isinstance(groups, list) or not groups:
        raise _Unreadable(f"{_kind(parsed)} where a list of [table, documents] pairs belongs")
    for group in groups:
        if not (isinstance(group, list) and len(group) == 2 and isinstance(group[0], str)
                and isinstance(group[1], dict)):
            raise _Unreadable("a write must be [table name, {document id: document or null}]")
        for doc_id, doc in group[1].items():
            if not _is_doc_id(doc_id) or not (doc is None or isinstance(doc, dict) and _is_record_id(doc.get("id"))):
                raise _Unreadable(f"document {doc_id!r} of table {group[0]!r} is not a document id and a record")
    return groups
