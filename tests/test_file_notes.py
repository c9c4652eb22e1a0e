"""Notes about files not parsed: one per file, or one per (status, reason) when many share it."""

import shutil
from pathlib import Path

from agent import run_postmortem

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "conn-pool-exhaustion"


def _bundle(tmp_path: Path, empties: int) -> Path:
    root = tmp_path / "bundle"
    shutil.copytree(FIXTURE, root)
    (root / "pods").mkdir()
    for i in range(empties):
        (root / "pods" / f"pod-{i:02d}.log").write_bytes(b"")
    (root / "pods" / "zz-core.bin").write_bytes(bytes(range(256)) * 8)
    return root


def test_many_files_with_one_problem_share_one_note_naming_a_few(tmp_path):
    pm = run_postmortem(_bundle(tmp_path, 12), out_dir=tmp_path / "out")
    empty = [n for n in pm.notes if "empty file" in n]
    assert empty == ["12 files skipped (empty file): pods/pod-00.log, pods/pod-01.log, pods/pod-02.log and 9 more "
                     "(postmortem.json lists every file)"]
    assert any(n.startswith("pods/zz-core.bin: error (") for n in pm.notes)  # a different problem: its own note
    skipped = [f.path for f in pm.files if f.reason == "empty file"]
    assert len(skipped) == 12  # nothing lost: the file table still has every one
    assert "pods/pod-11.log" in (tmp_path / "out" / "postmortem.json").read_text()


def test_a_few_files_are_each_named_in_bundle_order(tmp_path):
    pm = run_postmortem(_bundle(tmp_path, 4), out_dir=tmp_path / "out")
    notes = [n for n in pm.notes if n.startswith("pods/")]
    assert notes[:4] == [f"pods/pod-0{i}.log: skipped (empty file)" for i in range(4)]
    assert notes[4].startswith("pods/zz-core.bin: error (")
