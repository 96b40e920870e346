"""Simulated ``openedx.core.lib`` helpers."""
