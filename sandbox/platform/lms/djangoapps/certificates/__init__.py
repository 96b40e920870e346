"""Simulated certificates app: generated certificates and their events."""
