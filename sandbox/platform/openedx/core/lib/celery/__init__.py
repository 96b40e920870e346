"""Celery helpers."""
