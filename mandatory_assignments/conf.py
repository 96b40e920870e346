"""
The plugin's settings, read with their defaults (``settings/common.py``) as fallback.
"""

from django.conf import settings

from .settings.common import DEFAULTS


def setting(name):
    """The value of ``MANDATORY_ASSIGNMENTS_<name>``."""
    full_name = f"MANDATORY_ASSIGNMENTS_{name}"
    return getattr(settings, full_name, DEFAULTS.get(full_name))


def default_time_zone_name():
    return setting("DEFAULT_TIME_ZONE") or settings.TIME_ZONE or "UTC"
