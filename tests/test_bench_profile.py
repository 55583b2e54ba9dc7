"""The server profile's summary (bench/profile_server.py): what it counts from py-spy's folded stacks."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.fixture(scope="module")
def profile_server():
    sys.path.insert(0, str(BENCH))
    try:
        import profile_server
        yield profile_server
    finally:
        sys.path.remove(str(BENCH))


ENTRY = "<module> (specmock/__main__.py:4);main (specmock/cli.py:300)"
STACKS = [
    # whole samples: the route match, the store's insert under the handler, a frozen module
    f"{ENTRY};FrontDoor.__call__ (specmock/engine/front.py:82);RouteTable.match (specmock/engine/routes.py:80) 6",
    f"{ENTRY};HandlerBehaviour.__call__ (specmock/behaviours/handlers.py:30);create (handlers/services/x.py:9);"
    "insert_multiple (tinydb/table.py:177) 3",
    f"{ENTRY};_run_code (<frozen runpy>:88);Handle._run (asyncio/events.py:80) 1",
    # torn reads, as py-spy --nonblocking writes them: a made-up file and line, binary garbage
    f"{ENTRY};__package__ (__doc__:-16449535) 4",
    f"{ENTRY};FrontDoor.__call__ (specmock/engine/front.py:82);\u08ca (\u6398:-563769696) 2",
    f"{ENTRY};prompt (content_request:1834137932) 1",
]


def test_the_summary_counts_whole_samples_and_leaves_torn_ones_out(profile_server, tmp_path: Path) -> None:
    folded = tmp_path / "scenario.txt"
    folded.write_text("\n".join(STACKS) + "\n", encoding="utf-8")
    summary = profile_server.summarise(folded)
    assert (summary["samples"], summary["torn"]) == (10, 7)
    assert dict(summary["own"]) == {"RouteTable.match (specmock/engine/routes.py)": 60.0,
                                    "insert_multiple (tinydb/table.py)": 30.0,
                                    "Handle._run (asyncio/events.py)": 10.0}
    assert dict(summary["packages"]) == {"specmock": 60.0, "tinydb": 30.0, "asyncio": 10.0}
    inclusive = dict(summary["project_inclusive"])
    assert inclusive["FrontDoor.__call__ (specmock/engine/front.py)"] == 60.0  # the torn sample under it not counted
    assert inclusive["create (handlers/services/x.py)"] == 30.0
    assert not any("cli.py" in name or "__main__" in name for name in inclusive)  # entry frames are on every stack


def test_the_report_says_how_many_samples_were_torn(profile_server, tmp_path: Path) -> None:
    folded = tmp_path / "scenario.txt"
    folded.write_text("\n".join(STACKS) + "\n", encoding="utf-8")
    meta = {"commit": "abc1234", "when": "now", "rate": 250, "duration": 10, "connections": 32, "stored": 0}
    text = profile_server.markdown({"cr-list": {"rps": 3000.0, "summary": profile_server.summarise(folded),
                                                "meta": meta}})
    assert "### cr-list: 3,000 req/s while sampled, 10 samples (7 read torn, left out)" in text
    assert "__doc__" not in text and "\u6398" not in text
