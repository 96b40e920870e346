"""Simulated ``openedx.core.djangoapps`` (sandbox only)."""
