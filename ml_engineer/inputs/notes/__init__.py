"""The document reader: what the analyst's schema suggestion and EDA report say, by rules."""
