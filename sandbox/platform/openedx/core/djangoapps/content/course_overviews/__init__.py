"""Simulated course overviews: the LMS's cached course metadata."""
