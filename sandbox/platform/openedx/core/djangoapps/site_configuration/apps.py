"""App configuration of the simulated site configuration."""

from django.apps import AppConfig


class SiteConfigurationConfig(AppConfig):
    """Per-site configuration (label ``site_configuration``, as in the LMS)."""

    name = "openedx.core.djangoapps.site_configuration"
    label = "site_configuration"
    verbose_name = "Site configuration (simulated)"
    default_auto_field = "django.db.models.AutoField"
