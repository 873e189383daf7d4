"""ml-engineer: from a data analyst's profile to a reviewed, runnable ML design."""

__version__ = "0.1.0"
