"""App configuration of the simulated teams app."""

from django.apps import AppConfig


class TeamsConfig(AppConfig):
    """Course teams (label ``teams``, as in the LMS)."""

    name = "lms.djangoapps.teams"
    label = "teams"
    verbose_name = "Teams (simulated)"
    default_auto_field = "django.db.models.AutoField"
