"""The real vendor samples (../shared/data/formats), copied to a temp dir, never committed: one bundle of
all of them and one per vendor. Each must draft without a crash and give a complete, cited report."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from test_robust_builders import check_report

FORMATS = Path(__file__).resolve().parents[2] / "shared" / "data" / "formats"
VENDORS = sorted(p.name for p in FORMATS.iterdir() if p.is_dir()) if FORMATS.is_dir() else []
pytestmark = pytest.mark.skipif(not FORMATS.is_dir(), reason="shared vendor samples not present")


def _copy(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest)
    return dest


def test_all_samples_in_one_bundle_through_the_cli(run_cli, tmp_path):
    bundle = _copy(FORMATS, tmp_path / "all")
    res = run_cli("draft", bundle, "--out", tmp_path / "o", "--json")
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr and "internal error" not in res.stderr
    # a broken sample is a one-line warning naming the file, never more
    for line in res.stderr.splitlines():
        assert line.startswith("postmortem: warning: "), line
    pm = json.loads(res.stdout)
    assert sum(f["status"] == "parsed" for f in pm["files"]) >= 50
    check_report(tmp_path / "o")


@pytest.mark.parametrize("vendor", VENDORS)
def test_each_vendor_alone_drafts(vendor, tmp_path):
    from agent.api import run_postmortem

    pm = run_postmortem(_copy(FORMATS / vendor, tmp_path / "b"), out_dir=tmp_path / "o")
    assert any(f.status == "parsed" for f in pm.files)
    check_report(tmp_path / "o")
