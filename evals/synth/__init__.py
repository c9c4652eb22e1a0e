"""Generators for the incident bundles in fixtures/ and evals/datasets/.

The bundles are committed; these scripts only make them reproducible. Run from the repo root:

    .venv/bin/python -m evals.synth            # rewrite every bundle
    .venv/bin/python -m evals.synth conn_pool  # rewrite one

Each case module builds files in the real vendor shapes (see vendor.py) from invented data.
"""
