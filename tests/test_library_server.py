"""Server mode against a real `chroma run` started here on 127.0.0.1."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from agent.errors import LibraryError
from agent.library import open_library
from agent.library.synthetic import make_postmortem
from agent.settings import Settings

CHROMA = Path(sys.executable).with_name("chroma")
pytestmark = [pytest.mark.server, pytest.mark.skipif(not CHROMA.exists() and not shutil.which("chroma"),
                                                     reason="chroma CLI not installed")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chroma_url(tmp_path):
    port = _free_port()
    exe = str(CHROMA) if CHROMA.exists() else shutil.which("chroma")
    proc = subprocess.Popen([exe, "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("chroma server did not start")
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def test_server_mode_add_search_and_reindex(tmp_path, chroma_url):
    lib = open_library(Settings(library=tmp_path / "files", chroma_url=chroma_url))
    lib.add(make_postmortem("S-1", category="certificate/expiry", service="gateway"))
    lib.add(make_postmortem("S-2"))
    lib.add(make_postmortem("S-2"))
    assert lib.count() == 2
    assert lib.search("certificate expired", k=1)[0].id == "S-1"
    assert (tmp_path / "files" / "postmortems" / "S-1.json").exists()  # source of truth stays local
    assert lib.reindex() == 2
    other = open_library(Settings(library=tmp_path / "files", chroma_url=chroma_url))
    assert {r.id for r in other.records()} == {"S-1", "S-2"}
    with pytest.raises(LibraryError, match="built with embeddings"):
        open_library(Settings(library=tmp_path / "files", chroma_url=chroma_url, embeddings="hashing:512")).count()


def test_cli_against_server(tmp_path, chroma_url, monkeypatch):
    from typer.testing import CliRunner

    from agent.cli import app

    pm = tmp_path / "pm.json"
    pm.write_text(make_postmortem("S-9", category="network", service="cdn").model_dump_json())
    runner = CliRunner()
    r = runner.invoke(app, ["library", "--library", str(tmp_path), "--chroma-url", chroma_url, "add", str(pm)])
    assert r.exit_code == 0, r.output
    monkeypatch.setenv("POSTMORTEM_CHROMA_URL", chroma_url)  # the env var works like the flag
    r = runner.invoke(app, ["library", "--library", str(tmp_path), "search", "BGP route withdrawal", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)[0]["id"] == "S-9"
