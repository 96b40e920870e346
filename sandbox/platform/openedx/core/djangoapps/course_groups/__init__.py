"""Simulated cohorts (course groups)."""
