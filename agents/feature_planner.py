"""The planner over one run's inputs, reading the data once and measuring it once per target.

An agent's proposal can change the target, so the spec is planned again; measuring the data
(target counts, associations, repeated keys) is the slow part, and is kept per target. The data
wins over the profile: columns only the data has are profiled from it before the goal is
decided, so a goal may name one of them.
"""

from __future__ import annotations

import os
from pathlib import Path

from ml_engineer.inputs.dataset_location import csv_encoding
from ml_engineer.inputs.load import LoadedInputs
from ml_engineer.models import ColumnKind, DataProfile, FeatureSpec
from ml_engineer.planning.goal import decide_goal
from ml_engineer.planning.planner import PlanRequest, plan_feature_spec
from ml_engineer.planning.structure import candidate_pairs


class FeaturePlanner:
    """The planner over one run's inputs; the data is measured once per target, not per plan."""

    def __init__(self, inputs: LoadedInputs, ml_dir: Path):
        self.inputs, self.ml_dir = inputs, ml_dir
        self._measured: dict[str, tuple] = {}
        self._data: tuple | None = None  # (the dataset's frame, the profile completed from it)

    def plan(self, request: PlanRequest) -> tuple[FeatureSpec, DataProfile]:
        inputs = self.inputs
        profile, notes = inputs.profile, inputs.notes
        if inputs.dataset is None:
            return plan_feature_spec(profile, notes, request), profile
        # Imported here: measuring needs pandas, which a profile-only run never pays for.
        from ml_engineer.inputs.evidence import measure_evidence

        frame, profile, table = self._read_data()
        # The target must be known before the data can be measured against it.
        goal = decide_goal(
            profile, notes, goal_text=request.goal_text, target=request.chosen_target, facts=table
        )
        if goal.target not in self._measured:
            self._measured[goal.target] = measure_evidence(
                inputs.dataset, frame, profile, goal, notes, table, request.seed
            )
        measured, evidence = self._measured[goal.target]
        data_path = _config_path(Path(inputs.dataset.path), self.ml_dir)
        spec = plan_feature_spec(
            measured,
            notes,
            request,
            evidence=evidence,
            data_path=Path(data_path).as_posix(),
            data_format=inputs.dataset.format,
            data_sep=inputs.dataset.sep,
            data_encoding=csv_encoding(inputs.dataset),
        )
        return spec, measured

    def _read_data(self) -> tuple:
        """The dataset, read once; the profile with a column for each one only it has; and how
        the rows are organised (whole numbers, entity x time, date spacing), whatever the
        target."""
        if self._data is None:
            from ml_engineer.inputs.data.column_profile import add_data_columns
            from ml_engineer.inputs.data.table_facts import measure_table_facts
            from ml_engineer.inputs.dataset import read_dataset

            assert self.inputs.dataset is not None
            frame = read_dataset(self.inputs.dataset)
            profile = add_data_columns(self.inputs.profile, frame)
            dates = [c.name for c in profile.columns if c.kind == ColumnKind.datetime]
            table = measure_table_facts(frame, candidate_pairs(profile), dates)
            self._data = frame, profile, table
        return self._data


def _config_path(data: Path, ml_dir: Path) -> str:
    """The data's path as the config writes it: relative to ml/ when the data is inside the
    project (the folder can move as a whole), else absolute (`run ~/exports/churn.csv` would
    otherwise climb out through a chain of ../ that breaks when either one moves)."""
    data, ml_dir = data.resolve(), ml_dir.resolve()
    if data.is_relative_to(ml_dir.parent):
        return os.path.relpath(data, ml_dir)
    return str(data)
