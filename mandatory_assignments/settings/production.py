"""
Production plugin settings: operators override the defaults from ``ENV_TOKENS`` (the LMS YAML).
"""

from mandatory_assignments.settings.common import DEFAULTS, register_shared_settings


def plugin_settings(settings):
    """Read overrides from the LMS YAML, then merge the dicts that production YAML may have replaced."""
    env_tokens = getattr(settings, "ENV_TOKENS", {}) or {}
    for name, default in DEFAULTS.items():
        setattr(settings, name, env_tokens.get(name, getattr(settings, name, default)))
    register_shared_settings(settings)
