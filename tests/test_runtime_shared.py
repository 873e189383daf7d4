"""ml_engineer_runtime's functions that the Spark script shares with the scikit-learn one.

The Spark script imports the runtime's metrics, search record, tracking, atomic writes and
command line instead of carrying copies; where Spark's version differs (a model saved as a
folder, predictions collected from a DataFrame, a --master option) the runtime takes it too.
These run without Spark: the Spark script itself is run in test_framework_spark.py.
"""

from __future__ import annotations

import pytest
from ml_engineer_runtime.files import write_atomically

# --- atomic writes: a folder too (Spark's model/) ----------------------------------------------


def write_folder(files: dict[str, str]):
    def write(path):
        path.mkdir()
        for name, text in files.items():
            (path / name).write_text(text, encoding="utf-8")

    return write


def test_a_folder_replaces_the_previous_one_whole(tmp_path):
    model = tmp_path / "model"
    write_atomically(model, write_folder({"old": "1", "stale": "2"}))
    write_atomically(model, write_folder({"new": "3"}))
    assert sorted(path.name for path in model.iterdir()) == ["new"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["model"]  # no leftovers


def test_a_folder_write_that_fails_keeps_the_previous_folder(tmp_path):
    model = tmp_path / "model"
    write_atomically(model, write_folder({"old": "1"}))

    def half_then_fail(path):
        write_folder({"half": "x"})(path)
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomically(model, half_then_fail)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["model"]
    assert (model / "old").read_text(encoding="utf-8") == "1"
