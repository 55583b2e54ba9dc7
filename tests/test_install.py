"""specmock as users install it: a wheel built from this tree, installed into a fresh virtualenv
outside the repository, run from a third directory. Everything the tool needs at run time (the
contract, fixtures, handlers, the harness's settings and checks, the docs page's assets) must come
from the installed distribution."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port
from tests.requirements import ROOT, seed

pytestmark = pytest.mark.slow

# Source folder -> where its files land in the wheel (pyproject.toml's package-dir).
PACKAGED = {"specmock": "specmock", "handlers": "specmock/media", "openapi": "specmock/media/openapi",
            "fixtures": "specmock/media/fixtures"}
SHIPPED_SUFFIXES = {".py", ".yaml", ".json", ".toml"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from a copy of the files git knows (as a fresh clone has them), so that the build
    leaves nothing in the working tree and cannot pick up stray files."""
    tree = tmp_path_factory.mktemp("tree")
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (tree / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, tree / name)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(tree)],
                   check=True, capture_output=True, timeout=300)
    (built,) = out.glob("specmock-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``bin`` folder of a fresh virtualenv, outside the repository, with the wheel installed."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    done = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return venv / "bin"


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A third directory: neither the repository nor the virtualenv."""
    return tmp_path_factory.mktemp("elsewhere")


def _environment() -> dict[str, str]:
    """The user's environment without this repository's virtualenv or source tree on any path."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("SPECMOCK_", "PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = os.pathsep.join(part for part in env.get("PATH", "").split(os.pathsep)
                                  if not part.startswith(str(ROOT)))
    return env


def run(bin_dir: Path, cwd: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(bin_dir / "specmock"), *args], cwd=cwd, env=_environment(), capture_output=True,
                          text=True, timeout=timeout)


def test_the_wheel_holds_every_module_and_data_file(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        f"{target}/{path.relative_to(ROOT / source).as_posix()}"
        for source, target in PACKAGED.items()
        for path in (ROOT / source).rglob("*")
        if path.suffix in SHIPPED_SUFFIXES and "__pycache__" not in path.parts
    }
    assert expected - names == set()
    assert not {name for name in names if name.startswith(("tests/", "bench/", "contract_tests/", "handlers/"))}


@pytest.fixture(scope="module")
def server(installed: Path, elsewhere: Path) -> Iterator[str]:
    port = free_port()
    log = elsewhere / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen([str(installed / "specmock"), "serve", "--port", str(port)], cwd=elsewhere,
                                   env=_environment(), stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, log.read_text()
            try:
                httpx.get(url + "/", timeout=0.5)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(15)
    assert "Traceback" not in log.read_text()


def test_installed_serve_answers_every_api_and_its_docs(server: str):
    answer = httpx.get(f"{server}/api/v4/content_requests", params={"pending": "true"},
                       headers={"Authentication": "Bearer TOKEN_FETCHED_FROM_SERVER_DURING_REGISTRATION"})
    assert answer.status_code == 200 and answer.json()["meta"]["total_count"] == 3
    landing = httpx.get(server + "/")
    assert landing.status_code == 200 and "Content requests" in landing.text
    assert httpx.get(f"{server}/docs/assets/swagger-ui-bundle.js").status_code == 200
    spec = httpx.get(f"{server}/docs/downloads/openapi.json")
    assert spec.status_code == 200 and spec.json()["servers"] == [{"url": "/api/v1"}]


def test_installed_verify_passes_against_the_installed_mock(installed: Path, elsewhere: Path, server: str):
    done = run(installed, elsewhere, "verify", "--base-url", server, "--max-examples", "3", timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert done.stdout.lstrip().startswith("=== specmock verify"), done.stdout[:500]  # its own words first
    assert "Warning" not in done.stdout + done.stderr


def test_installed_import_drafts_a_source_document(installed: Path, elsewhere: Path):
    document = seed("004_5484b7f961416259.txt")
    done = run(installed, elsewhere, "import", str(document), "-o", "draft.yaml")
    assert done.returncode == 0, done.stderr
    from openapi_spec_validator import validate
    from yaml import safe_load

    draft = safe_load((elsewhere / "draft.yaml").read_text())
    validate(draft)
    assert "/content_requests" in draft["paths"]


def test_installed_token_prints_credentials(installed: Path, elsewhere: Path):
    done = run(installed, elsewhere, "token")
    assert done.returncode == 0, done.stderr
    assert 'Authorization: Token token="' in done.stdout and "Authentication: Bearer " in done.stdout
    assert json.dumps(done.stderr) == '""'
