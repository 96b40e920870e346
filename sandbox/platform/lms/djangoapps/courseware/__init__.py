"""Simulated courseware: access checks."""
