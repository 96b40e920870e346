"""Simulated ``openedx`` package of the Open edX platform (sandbox only)."""
