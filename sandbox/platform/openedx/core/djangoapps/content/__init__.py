"""Simulated course content apps."""
