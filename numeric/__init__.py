"""numeric package."""
