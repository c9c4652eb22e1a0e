"""`--embeddings openai:MODEL` against a tiny OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import zlib
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from agent.errors import LibraryError
from agent.library import open_library
from agent.library.synthetic import make_postmortem
from agent.settings import Settings


def _vector(text: str) -> list[float]:
    """A crude but deterministic 64-dim bag of words, enough to rank by shared words."""
    vec = [0.0] * 64
    for word in text.lower().split():
        vec[zlib.crc32(word.encode()) % 64] += 1.0
    return vec


class _Handler(BaseHTTPRequestHandler):
    calls: list[dict] = []

    def do_POST(self):  # noqa: N802 (http.server API)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).calls.append({"path": self.path, "model": body["model"], "auth": self.headers.get("Authorization")})
        if body["model"] == "broken":
            self.send_response(500)
            self.end_headers()
            return
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        data = [{"object": "embedding", "index": i, "embedding": _vector(t)} for i, t in enumerate(texts)]
        payload = json.dumps({"object": "list", "data": data[::-1], "model": body["model"],
                              "usage": {"prompt_tokens": 1, "total_tokens": 1}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def base_url():
    server = HTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/v1"
    server.shutdown()


def test_openai_embeddings_build_and_query_the_index(tmp_path, base_url):
    settings = Settings(library=tmp_path, embeddings="openai:tiny-embed", llm_base_url=base_url, llm_api_key="k-test")
    lib = open_library(settings)
    lib.add(make_postmortem("O-1", category="certificate/expiry"))
    lib.add(make_postmortem("O-2", category="network"))
    assert lib.search("the mTLS certificate on the internal gateway expired", k=1)[0].id == "O-1"
    calls = _Handler.calls
    assert calls and calls[-1]["path"] == "/v1/embeddings" and calls[-1]["model"] == "tiny-embed"
    assert calls[-1]["auth"] == "Bearer k-test"
    with pytest.raises(LibraryError, match="built with embeddings 'openai:tiny-embed'"):
        open_library(Settings(library=tmp_path)).search("x")


def test_failing_endpoint_is_a_library_error(tmp_path, base_url):
    lib = open_library(Settings(library=tmp_path, embeddings="openai:broken", llm_base_url=base_url))
    with pytest.raises(LibraryError, match="embeddings endpoint failed"):
        lib.add(make_postmortem("O-1"))
