"""
The sandbox's Celery app: ``celery -A sandbox worker --beat`` runs a worker with the plugins' schedule.

Tasks run eagerly (in the calling process) unless ``CELERY_BROKER_URL`` is set in the environment. The beat
schedule is the LMS's ``CELERYBEAT_SCHEDULE`` (where plugins add their entries), passed on by the settings
as ``CELERY_BEAT_SCHEDULE``.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sandbox.settings")

app = Celery("sandbox")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
