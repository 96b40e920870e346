"""Simulated site configuration: per-site values such as ``course_org_filter``."""
