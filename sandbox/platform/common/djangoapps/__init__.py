"""Simulated ``common.djangoapps`` (sandbox only)."""
