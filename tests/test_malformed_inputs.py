"""Malformed profiles and data files, disagreements between them, and links planted in the output
folders: each gets the verdict a user relies on (tests/malformed_cases.py lists them), and never
a crash, a write outside the output folder or a leak of a file that is not a dataset."""

from __future__ import annotations

import pytest
from hostile import inside, judge
from malformed_cases import CASES, GOAL, data_dir_of


@pytest.mark.parametrize("name", list(CASES))
def test_a_malformed_input_gets_its_verdict(tmp_path, name):
    case = CASES[name]
    extra = case.build(tmp_path)
    data_dir = data_dir_of(tmp_path)
    argv = ["run", str(data_dir), "--yes", "--goal", GOAL, *extra]
    if not case.validate:
        argv.append("--no-validate")
    with inside(tmp_path):
        outcome = judge(tmp_path, data_dir, argv, run_script=False)
    assert outcome.verdict == case.expect, f"{outcome.verdict} (exit {outcome.exit_code}): " + (
        outcome.detail
    )
    if case.validate and outcome.verdict == "deliverables":
        spec = (data_dir.parent / "ml" / "feature-spec.md").read_text(encoding="utf-8")
        assert "- Validation: the script ran" in spec, spec[-600:]
