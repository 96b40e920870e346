"""Simulated ``openedx.core`` (sandbox only)."""
