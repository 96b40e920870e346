"""Simulated ``common`` package of the Open edX platform (sandbox only)."""
