"""
Background work queued by task name, after the current transaction commits.

Queueing by name keeps the domain free of imports of ``tasks`` (an entry point): the tasks are
registered when the app is ready (``apps.py``), so the registry knows them here.
"""

from celery import current_app
from django.db import transaction


def queue(task_name, *args):
    """Run the Celery task ``task_name`` with ``args`` once the current transaction has committed."""
    transaction.on_commit(lambda: run_later(task_name, *args))


def run_later(task_name, *args):
    """Hand the task to Celery now (eagerly run where the sandbox has no broker)."""
    current_app.tasks[task_name].apply_async(args=args)
