"""Simulated user API: preferences, errors and account signals."""
