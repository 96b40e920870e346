"""Simulated teams app: course teams and memberships."""
