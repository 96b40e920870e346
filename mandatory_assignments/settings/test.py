"""
Test plugin settings: the common defaults.
"""

from mandatory_assignments.settings.common import plugin_settings as common_plugin_settings


def plugin_settings(settings):
    """Use the common defaults in tests."""
    common_plugin_settings(settings)
