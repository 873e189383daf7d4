"""Where callers find the document reader: `read_analyst_notes`.

The rules live in `ml_engineer.inputs.notes`; this path is kept for the callers.
"""

from ml_engineer.inputs.notes.documents import EDA_DOCUMENT_NAMES, SCHEMA_DOCUMENT_NAMES
from ml_engineer.inputs.notes.read import read_analyst_notes

__all__ = ["EDA_DOCUMENT_NAMES", "SCHEMA_DOCUMENT_NAMES", "read_analyst_notes"]
