"""
The sandbox: a Django project with a simulated Open edX LMS that runs the mandatory_assignments plugin.

Importing it loads the Celery app, as a Django project's package does.
"""

from .celery import app as celery_app

__all__ = ("celery_app",)
