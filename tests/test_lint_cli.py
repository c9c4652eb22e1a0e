"""`postmortem lint` on markdown, stdin, postmortem.json; --json, --strict, --config, inline directives."""

from __future__ import annotations

import json

from agent.checks.blameless import lint_postmortem_json, lint_text

MARKDOWN = """---
author: Bob Smith
---
# Postmortem

**Author:** Bob Smith  **Reviewers:** Alice Jones

The deploy failed at 14:02.

```
# code is never linted: the engineer forgot to
```

| Owner | Action |
|-------|--------|
| Alice Jones | Add a pre-flight check |

The engineer forgot to drain the node.
<!-- postmortem-lint disable forgot -->
The operator forgot to drain the node.
<!-- postmortem-lint enable forgot -->
<!-- postmortem-lint disable-next-line -->
Obviously he broke it.
He forgot to check. <!-- postmortem-lint disable-line forgot -->
Someone forgot the flag.
"""


def test_markdown_masks_code_front_matter_metadata_and_owner_columns():
    found = [(f.line, f.rule) for f in lint_text(MARKDOWN)]
    assert (18, "forgot") in found
    assert not [ln for ln, _ in found if ln in (2, 6, 11, 16)]  # front matter, metadata, code, owner cell


def test_inline_directives_have_the_documented_scope():
    lines = {f.line for f in lint_text(MARKDOWN)}
    assert 20 not in lines  # disable ... until enable
    assert 23 not in lines  # disable-next-line (all rules)
    assert 24 not in lines  # disable-line forgot
    assert 25 in lines      # enabled again


def test_wrapped_markdown_paragraph_is_one_sentence():
    found = lint_text("The on-call engineer\nfailed to escalate the page.")
    assert [(f.line, f.column, f.rule) for f in found] == [(2, 1, "failed-to")]


def test_cli_json_gives_one_line_number_per_input_line(run_cli):
    text = "The deploy failed.\nThe admin forgot to renew it.\nThe error rate rose.\nWho broke prod?\n"
    done = run_cli("lint", "-", "--json", input=text)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert {r["line"] for r in rows} == {2, 4}
    assert all({"rule", "severity", "line", "column", "text", "message", "suggestion"} <= set(r) for r in rows)


def test_cli_strict_exit_codes(run_cli):
    assert run_cli("lint", "-", "--strict", input="Bob broke the build.\n").returncode == 3
    assert run_cli("lint", "-", "--strict", input="The build broke.\n").returncode == 0
    warn_only = run_cli("lint", "-", "--strict", input="Simply restart it.\n")
    assert warn_only.returncode == 0 and "minimiser-action" in warn_only.stdout


def test_cli_text_output_has_location_and_rewrite(run_cli, tmp_path):
    path = tmp_path / "pm.md"
    path.write_text("# Summary\n\nThe outage was caused by human error.\n", encoding="utf-8")
    done = run_cli("lint", path)
    assert f"{path}:3:" in done.stdout and "human-error" in done.stdout and "try:" in done.stdout


def test_cli_config_file(run_cli, tmp_path):
    cfg = tmp_path / "lint.yaml"
    cfg.write_text("disable: [person-as-cause]\nseverity:\n  named-individual: info\n", encoding="utf-8")
    done = run_cli("lint", "-", "--json", "--strict", "--config", cfg, input="Bob broke the build.\n")
    assert done.returncode == 0, done.stdout
    assert [(r["rule"], r["severity"]) for r in json.loads(done.stdout)] == [("named-individual", "info")]
    bad = tmp_path / "bad.yaml"
    bad.write_text("disable: [nope]\n", encoding="utf-8")
    assert run_cli("lint", "-", "--config", bad, input="x\n").returncode == 2


def test_cli_missing_file_is_exit_2(run_cli, tmp_path):
    done = run_cli("lint", tmp_path / "nope.md")
    assert done.returncode == 2 and "nope.md" in done.stderr


def test_postmortem_json_reports_field_path_and_file_line(run_cli, tmp_path):
    from test_check_rules import make_pm
    from agent.models import Claim, Why

    pm = make_pm(executive_summary=Claim(text="Fine. The operator should have waited."))
    pm.five_whys.whys[2] = Why(question="Why?", answer="Because of human error.")
    raw = pm.model_dump_json(indent=2)
    found = {f.field: f for f in lint_postmortem_json(raw)}
    assert set(found) == {"executive_summary.text", "five_whys.whys[2].answer"}
    line = found["five_whys.whys[2].answer"].line
    assert "Because of human error." in raw.splitlines()[line - 1]
    path = tmp_path / "postmortem.json"
    path.write_text(raw, encoding="utf-8")
    done = run_cli("lint", path, "--json")
    assert {r["field"] for r in json.loads(done.stdout)} == set(found)


def test_json_that_is_not_a_postmortem_is_exit_2(run_cli, tmp_path):
    path = tmp_path / "other.json"
    path.write_text('[{"text": "Bob broke it."}]', encoding="utf-8")
    done = run_cli("lint", path)
    assert done.returncode == 2 and "postmortem.json" in done.stderr
