"""What the README says, run as it says it: the walk-through with curl, as written, against a real
``specmock serve``; and the claims about the bundled contract it makes in passing."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.conftest import BUNDLED, free_port
from tests.requirements import ROOT, unavailable
from tests.server_process import ServerProcess

pytestmark = pytest.mark.slow
README = (ROOT / "README.md").read_text(encoding="utf-8")


def block_after(heading: str) -> str:
    """The first ``sh`` code block after a heading of the README."""
    start = README.index(heading)
    match = re.compile(r"```sh\n(.*?)```", re.DOTALL).search(README, start)
    assert match is not None, heading
    return match.group(1)


def test_the_walk_through_runs_as_written(tmp_path):
    for tool in ("curl", "jq", "bash"):
        if shutil.which(tool) is None:
            unavailable(f"the README's walk-through needs {tool} (see .ci/apt-packages)")
    script = block_after("### Walk-through with curl")
    assert "M=http://127.0.0.1:8000" in script
    with ServerProcess(free_port()) as server:
        done = subprocess.run(["bash", "-c", script.replace("M=http://127.0.0.1:8000", f"M={server.url}")],
                              cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert (tmp_path / "image.png").read_bytes().startswith(b"\x89PNG")
    assert len(zipfile.ZipFile(tmp_path / "images.zip").namelist()) == 2
    lines = done.stdout.split()
    assert '"canceled"' in lines and '{"success":true}' in done.stdout and '"username"' in lines


def test_x_token_is_declared_by_the_apis_the_readme_names_and_not_by_image_requests():
    def declares_x_token(name: str) -> bool:
        document = BUNDLED.documents[name]
        return any("X-token" in document.resolve(response).get("headers", {})
                   for op in BUNDLED.operations.values() if op.document is document and op.spec.get("security")
                   for status, response in op.spec["responses"].items() if status.startswith("2"))

    assert all(declares_x_token(name) for name in ("provider_requests", "sharing_images", "downloads"))
    assert not declares_x_token("image_requests")
    assert "image\n  requests, whose document comes from another platform and shows none, carry none" in README


def test_the_quick_start_is_two_command_lines_and_ci_runs_the_second():
    block = block_after("## Quick start")
    lines = [line for line in block.splitlines() if line.strip()]
    assert len(lines) == 2 and "specmock serve" in lines[0] and "pytest" in lines[1]
    assert lines[1] in Path(ROOT / ".ci" / "run").read_text()
