"""Benchmark the incident library: retrieval quality on a real corpus, query latency and indexing rate.

    python benchmarks/bench_library.py ../shared/data/corpora/icco_postmortems/data [--n 10000] [--json]

Retrieval: leave-one-out over the corpus incidents that carry at least one front-matter category.
Query and documents are title + markdown body only (no summary, keywords, categories or product).
P@1 / P@5: share of the top 1 / 5 neighbours sharing >= 1 category with the query. Per-category P@5
averages, per category of the query, the share of the top 5 carrying that category, then over
categories (this separates methods better: random already scores ~0.7 on "shares any").
Library rows go through the real Chroma store; TF-IDF and random are computed beside it in numpy.

Scale: generates N synthetic postmortems, adds them to an embedded library in a temp dir (indexing
rate, postmortems/s, including the JSON source files), then times 200 searches (p50/p95) and a few
full pattern analyses.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from agent.library import open_library
from agent.library.markdown import iter_markdown, record_from_markdown
from agent.library.records import Record
from agent.library.synthetic import generate
from agent.settings import Settings


def load_corpus(path: Path) -> list[Record]:
    recs = [record_from_markdown(p, infer=False) for p in iter_markdown(path)]
    # Only title + body reach the index: strip every field an author filled in besides those.
    return [Record(id=r.id, kind="imported", title=r.title, body=r.body, labels=r.labels) for r in recs if r.labels]


def score(neighbours: list[list[int]], labels: list[set[str]]) -> dict[str, float]:
    p1 = p5 = 0.0
    per_cat: dict[str, list[float]] = {}
    for i, top in enumerate(neighbours):
        hits = [bool(labels[i] & labels[j]) for j in top[:5]]
        p1 += hits[0]
        p5 += sum(hits) / 5
        for c in labels[i]:
            per_cat.setdefault(c, []).append(sum(c in labels[j] for j in top[:5]) / 5)
    n = len(neighbours)
    return {"P@1": round(p1 / n, 3), "P@5": round(p5 / n, 3),
            "per_category_P@5": round(float(np.mean([np.mean(v) for v in per_cat.values()])), 3)}


def library_neighbours(recs: list[Record], spec: str) -> tuple[list[list[int]], float]:
    """LOO through the real store: index everything, query each text, drop the query itself."""
    pos = {r.id: i for i, r in enumerate(recs)}
    with tempfile.TemporaryDirectory() as tmp:
        lib = open_library(Settings(library=Path(tmp), embeddings=spec))
        t = time.perf_counter()
        lib.store.put([(r, r.model_dump_json()) for r in recs])
        rate = len(recs) / (time.perf_counter() - t)
        out = []
        for r in recs:
            hits = lib.store.query(r.text(), 6)
            out.append([pos[h.id] for h, _, _ in hits if h.id != r.id][:5])
    return out, rate


def matrix_neighbours(vectors: np.ndarray) -> list[list[int]]:
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -np.inf)
    return [list(np.argsort(-row, kind="stable")[:5]) for row in sims]


def retrieval(corpus: Path) -> list[dict]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    recs = load_corpus(corpus)
    labels = [set(r.labels) for r in recs]
    rows = []
    for spec in ("hashing", "hashing-words:4096"):
        nb, rate = library_neighbours(recs, spec)
        rows.append({"method": f"library --embeddings {spec} (Chroma)", **score(nb, labels), "index_per_s": round(rate)})
    tfidf = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit_transform([r.text() for r in recs])
    rows.append({"method": "TF-IDF word 1-2 grams (sklearn, fitted)", **score(matrix_neighbours(tfidf.toarray()), labels)})
    rng = random.Random(0)
    rand = [rng.sample([j for j in range(len(recs)) if j != i], 5) for i in range(len(recs))]
    rows.append({"method": "random", **score(rand, labels)})
    return [{"queries": len(recs), **r} for r in rows]


def scale(n: int) -> dict:
    pms = generate(n, seed=1)
    with tempfile.TemporaryDirectory() as tmp:
        lib = open_library(Settings(library=Path(tmp)))
        t = time.perf_counter()
        for i in range(0, n, 500):
            lib.add_many(pms[i : i + 500])
        rate = n / (time.perf_counter() - t)
        rng = random.Random(2)
        queries = [f"{rng.choice(pms).root_cause.hypothesis} {rng.choice(['latency', 'outage', 'errors'])}" for _ in range(200)]
        lat = []
        for q in queries:
            t = time.perf_counter()
            lib.search(q, 5)
            lat.append((time.perf_counter() - t) * 1000)
        pa = []
        for pm in pms[:5]:
            t = time.perf_counter()
            lib.pattern_analysis(pm)
            pa.append((time.perf_counter() - t) * 1000)
        assert lib.count() == n
    q = statistics.quantiles(lat, n=100)
    return {"stored": n, "index_per_s": round(rate, 1), "search_p50_ms": round(q[49], 2),
            "search_p95_ms": round(q[94], 2), "pattern_analysis_median_ms": round(statistics.median(pa), 1)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path, help="directory of markdown postmortems with front-matter categories")
    ap.add_argument("--n", type=int, default=10_000, help="synthetic postmortems for the latency test")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    result = {"retrieval": retrieval(args.corpus), "scale": scale(args.n)}
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"leave-one-out on {result['retrieval'][0]['queries']} incidents (title + body only)")
    print(f"{'method':48s} {'P@1':>6s} {'P@5':>6s} {'perCat':>7s} {'docs/s':>7s}")
    for r in result["retrieval"]:
        print(f"{r['method']:48s} {r['P@1']:6.3f} {r['P@5']:6.3f} {r['per_category_P@5']:7.3f} {r.get('index_per_s', ''):>7}")
    s = result["scale"]
    print(f"\nembedded library with {s['stored']} generated postmortems: indexing {s['index_per_s']} postmortems/s, "
          f"search p50 {s['search_p50_ms']} ms, p95 {s['search_p95_ms']} ms, "
          f"pattern_analysis median {s['pattern_analysis_median_ms']} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
