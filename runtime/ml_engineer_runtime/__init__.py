"""What every training script written by ml-engineer imports, and what its models are made of.

The script holds one design's decisions (column groups and transforms, candidate models, the
baseline); this package holds the machinery that is the same for every design. A process that
loads a saved model.joblib needs this package and scikit-learn, nothing of ml-engineer itself.
"""

from __future__ import annotations

import sys

__version__ = "0.1.0"


def runtime_requirement() -> str:
    """The package (and version) a process needs to load a model this version saved."""
    return f"ml-engineer-runtime=={__version__}"


def require_runtime(series: str) -> None:
    """Stop a script written for another series of this package (`0.1`): one line with the fix
    on stderr, and exit 2, as for any config problem.

    Why: a script and its runtime are released together; a script run against an older or
    newer series would fail on a name it cannot import, or worse, read a record otherwise. So
    the script calls this before it imports anything else of the package.
    """
    if __version__ == series or __version__.startswith(series + "."):
        return
    print(
        f"error: this script was written for ml-engineer-runtime {series}, but {__version__} is "
        f"installed: pip install 'ml-engineer-runtime=={series}.*' (or regenerate the script)",
        file=sys.stderr,
    )
    raise SystemExit(2)
