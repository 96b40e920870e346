"""Simulated grades app: persisted course grades and their events."""
