"""App configuration of the simulated support app."""

from django.apps import AppConfig


class SupportConfig(AppConfig):
    """The support tool's course reset (label ``support``, as in the LMS)."""

    name = "lms.djangoapps.support"
    label = "support"
    verbose_name = "Support (simulated)"
    default_auto_field = "django.db.models.AutoField"
