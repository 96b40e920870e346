"""Simulated ``lms`` package of the Open edX platform (sandbox only)."""
