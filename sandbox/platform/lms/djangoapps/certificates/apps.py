"""App configuration of the simulated certificates app."""

from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    """Generated certificates (label ``certificates``, as in the LMS)."""

    name = "lms.djangoapps.certificates"
    label = "certificates"
    verbose_name = "Certificates (simulated)"
    default_auto_field = "django.db.models.AutoField"
