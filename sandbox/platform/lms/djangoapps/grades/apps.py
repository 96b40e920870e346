"""App configuration of the simulated grades app."""

from django.apps import AppConfig


class GradesConfig(AppConfig):
    """Persisted course grades (label ``grades``, as in the LMS)."""

    name = "lms.djangoapps.grades"
    label = "grades"
    verbose_name = "Grades (simulated)"
    default_auto_field = "django.db.models.AutoField"

    def ready(self):
        from . import handlers  # noqa: F401 -- connects the grade signal handlers
