"""The profile readers: one module per format, and the pieces they share."""
