"""Tutor plugin for mandatory-assignments (entry point ``tutor.plugin.v1``: ``tutormandatory_assignments.plugin``)."""
