"""The dataset: read it, and measure what only the data can tell (pandas is imported here)."""
