"""Where callers find the dataset: find it, read it, and compute the few facts the planner needs.

The dataset is optional: without it the product still writes its deliverables. So `find_dataset`
answers `None` rather than raising, and `read_dataset` raises `DataError` (naming the file and the
fix) only for a file that exists but cannot be used. The work is done in `ml_engineer.inputs.data`
and `dataset_location.py`; this path is kept for the callers. It imports pandas: a profile-only
run imports `dataset_location` alone.
"""

from ml_engineer.inputs.data.association import MAX_BINS
from ml_engineer.inputs.data.facts import MAX_TARGET_VALUE_COUNTS, DatasetFacts, dataset_facts
from ml_engineer.inputs.data.read import read_dataset
from ml_engineer.inputs.data.series import MAX_FACT_ROWS, SAMPLE_SEED
from ml_engineer.inputs.data.time_order import TimeOrder, is_monotonic_in_time
from ml_engineer.inputs.dataset_location import DatasetLocation, find_dataset

__all__ = [
    "MAX_BINS",
    "MAX_FACT_ROWS",
    "MAX_TARGET_VALUE_COUNTS",
    "SAMPLE_SEED",
    "DatasetFacts",
    "DatasetLocation",
    "TimeOrder",
    "dataset_facts",
    "find_dataset",
    "is_monotonic_in_time",
    "read_dataset",
]
