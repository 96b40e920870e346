"""Shared pieces for ACE messages: base message type and template context."""
