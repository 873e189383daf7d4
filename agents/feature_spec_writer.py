"""The feature-spec-writer sub-skill: decides the goal, the columns and the split.

Without an LLM this is the deterministic planner, checked against the data when it is there.
"""

from __future__ import annotations

import os
from pathlib import Path

from ml_engineer.inputs.load import LoadedInputs
from ml_engineer.models import FeatureSpec
from ml_engineer.planning.goal import decide_goal
from ml_engineer.planning.planner import PlanRequest, plan_feature_spec


def write_feature_spec(inputs: LoadedInputs, request: PlanRequest, ml_dir: Path) -> FeatureSpec:
    profile, notes = inputs.profile, inputs.notes
    if inputs.dataset is None:
        return plan_feature_spec(profile, notes, request)
    # Imported here: measuring needs pandas, which a profile-only run never pays for.
    from ml_engineer.inputs.evidence import measure_evidence

    # The target must be known before the data can be measured against it.
    goal = decide_goal(profile, notes, goal_text=request.goal_text, target=request.chosen_target)
    profile, evidence = measure_evidence(inputs.dataset, profile, goal, notes.key_columns)
    data_path = os.path.relpath(Path(inputs.dataset.path).resolve(), ml_dir.resolve())
    return plan_feature_spec(
        profile,
        notes,
        request,
        evidence=evidence,
        data_path=Path(data_path).as_posix(),
        data_format=inputs.dataset.format,
        data_sep=inputs.dataset.sep,
    )
