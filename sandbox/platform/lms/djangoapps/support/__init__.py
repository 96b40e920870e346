"""Simulated support app: the course reset feature."""
