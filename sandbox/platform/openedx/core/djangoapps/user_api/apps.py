"""App configuration of the simulated user API."""

from django.apps import AppConfig


class UserAPIConfig(AppConfig):
    """User preferences and account signals (label ``user_api``, as in the LMS)."""

    name = "openedx.core.djangoapps.user_api"
    label = "user_api"
    verbose_name = "User API (simulated)"
    default_auto_field = "django.db.models.AutoField"
