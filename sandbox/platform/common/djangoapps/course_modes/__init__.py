"""Simulated course modes app: the enrollment tracks (audit, honor, verified, ...) a course run offers."""
