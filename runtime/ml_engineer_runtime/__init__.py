"""What every training script written by ml-engineer imports, and what its models are made of.

The script holds one design's decisions (column groups and transforms, candidate models, the
baseline); this package holds the machinery that is the same for every design. A process that
loads a saved model.joblib needs this package and scikit-learn, nothing of ml-engineer itself.
"""

from __future__ import annotations

__version__ = "0.1.0"


def require_runtime(series: str) -> None:
    """Stop a script written for another series of this package (`0.1`) with the fix.

    Why: a script and its runtime are released together; a script run against an older or
    newer series would fail later, on a name it cannot import or a record it reads otherwise.
    """
    if __version__ == series or __version__.startswith(series + "."):
        return
    from ml_engineer_runtime.errors import ScriptError

    raise ScriptError(
        f"this script was written for ml-engineer-runtime {series}, but {__version__} is "
        f"installed: pip install 'ml-engineer-runtime=={series}.*' (or regenerate the script)"
    )
