"""Simulated student app: users' profiles, enrollments and course roles, reduced to what the plugin uses."""
