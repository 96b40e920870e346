"""User preferences API."""
