"""Where callers find the profile reader: `find_profile` and `read_profile`.

The readers live in `ml_engineer.inputs.profiles`; this path is kept for the callers.
"""

from ml_engineer.inputs.profiles.detect import LOOKED_FOR, find_profile, read_profile

__all__ = ["LOOKED_FOR", "find_profile", "read_profile"]
