"""Simulated ``lms.djangoapps`` (sandbox only)."""
