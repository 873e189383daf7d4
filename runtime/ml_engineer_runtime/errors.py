"""The one error a training script reports as a line rather than a traceback."""


class ScriptError(Exception):
    """A problem with the config or the data that the user can fix; printed as one line."""
