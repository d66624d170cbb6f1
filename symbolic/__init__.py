"""symbolic package."""
