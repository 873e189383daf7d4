"""The decisions, as typed models. Everything the product decides passes through these."""

from ml_engineer.models.derived import DerivedFeature, DerivedOp
from ml_engineer.models.experiment import (
    DataSection,
    DerivedSection,
    ExperimentConfig,
    FeatureGroups,
    ForecastSection,
    LoggingSection,
    MetricsSection,
    ModelSection,
    PreprocessingSection,
    SearchSection,
    SplitSection,
    ValidationSection,
)
from ml_engineer.models.feature_spec import (
    ColumnDecision,
    Exclusion,
    FeatureSpec,
    ProtectedAttribute,
    SplitPlan,
    TargetSpec,
    Treatment,
)
from ml_engineer.models.goal import AnalystNotes, Goal, TargetCandidate, TaskType
from ml_engineer.models.profile import (
    ColumnKind,
    ColumnProfile,
    DataProfile,
    NumericStats,
    TopValue,
)

__all__ = [
    "AnalystNotes",
    "ColumnDecision",
    "ColumnKind",
    "ColumnProfile",
    "DataProfile",
    "DataSection",
    "ForecastSection",
    "DerivedFeature",
    "DerivedOp",
    "DerivedSection",
    "Exclusion",
    "ExperimentConfig",
    "FeatureGroups",
    "FeatureSpec",
    "Goal",
    "LoggingSection",
    "MetricsSection",
    "ModelSection",
    "PreprocessingSection",
    "SearchSection",
    "NumericStats",
    "ProtectedAttribute",
    "SplitPlan",
    "SplitSection",
    "TargetCandidate",
    "TargetSpec",
    "TaskType",
    "TopValue",
    "Treatment",
    "ValidationSection",
]
