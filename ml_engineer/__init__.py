"""ml-engineer: from a data analyst's profile to a reviewed, runnable ML design.

from ml_engineer import build_graph, initial_state
"""

__version__ = "0.1.0"

__all__ = ["build_graph", "initial_state", "__version__"]


def __getattr__(name: str):
    # Lazy: importing the package must not pay for LangGraph until the graph is wanted.
    if name in {"build_graph", "initial_state"}:
        from ml_engineer import api

        return getattr(api, name)
    raise AttributeError(f"module 'ml_engineer' has no attribute {name!r}")
