"""
Wires plugin apps into the sandbox the way the LMS does, through their ``plugin_app`` configuration.

The LMS finds plugins through the ``lms.djangoapp`` entry point and wires *all* of them with
``edx_django_utils.plugins`` (``add_plugins``, ``get_plugin_url_patterns``, ``connect_plugin_receivers``).
Other installed packages register that entry point too and need the real LMS (edx-completion's receivers
name grade signals of the platform), so the sandbox wires an explicit list of apps, reading the same
``plugin_app`` keys with the framework's own constants and import helpers.
"""

from django.urls import include, re_path
from django.utils.module_loading import import_string
from edx_django_utils.plugins import constants, utils

# The platform's ``ProjectType.LMS`` (defined in openedx-platform, not in edx-django-utils).
PROJECT_TYPE = "lms.djangoapp"

# The plugin apps the sandbox wires: the plugin under test and the optional learning paths.
PLUGIN_APP_CONFIGS = (
    "mandatory_assignments.apps.MandatoryAssignmentsConfig",
    "learning_paths.apps.LearningPathsConfig",
)


def plugin_app_configs():
    """The AppConfig classes of the wired plugin apps."""
    return [import_string(path) for path in PLUGIN_APP_CONFIGS]


def _plugin_config(app_config, key):
    return getattr(app_config, constants.PLUGIN_APP_CLASS_ATTRIBUTE_NAME, {}).get(key, {}).get(PROJECT_TYPE)


def add_plugin_settings(settings_module, settings_type):
    """Call each plugin's ``plugin_settings(settings)`` for ``settings_type`` (as ``add_plugins`` does)."""
    for app_config in plugin_app_configs():
        config = (_plugin_config(app_config, constants.PluginSettings.CONFIG) or {}).get(settings_type)
        if config is None:
            continue
        module = utils.import_module(utils.get_module_path(app_config, config, constants.PluginSettings))
        getattr(module, constants.PLUGIN_APP_SETTINGS_FUNC_NAME)(settings_module)


def plugin_url_patterns():
    """The URL patterns of the plugins (as ``get_plugin_url_patterns`` builds them)."""
    patterns = []
    for app_config in plugin_app_configs():
        config = _plugin_config(app_config, constants.PluginURLs.CONFIG)
        if config is None:
            continue
        module_path = utils.get_module_path(app_config, config, constants.PluginURLs)
        namespace = config.get(constants.PluginURLs.NAMESPACE, app_config.name)
        regex = config.get(constants.PluginURLs.REGEX, r"")
        if namespace:
            patterns.append(re_path(regex, include((module_path, app_config.name), namespace=namespace)))
        else:
            patterns.append(re_path(regex, include(module_path)))
    return patterns


def connect_plugin_receivers():
    """Connect the receivers each plugin names by signal path (as ``connect_plugin_receivers`` does)."""
    for app_config in plugin_app_configs():
        config = _plugin_config(app_config, constants.PluginSignals.CONFIG)
        if config is None:
            continue
        module = utils.import_module(utils.get_module_path(app_config, config, constants.PluginSignals))
        for receiver in config.get(constants.PluginSignals.RECEIVERS, []):
            func = utils.import_attr_in_module(module, receiver[constants.PluginSignals.RECEIVER_FUNC_NAME])
            signal = utils.import_attr(receiver[constants.PluginSignals.SIGNAL_PATH])
            sender_path = receiver.get(constants.PluginSignals.SENDER_PATH)
            signal.connect(
                func,
                sender=utils.import_attr(sender_path) if sender_path else None,
                dispatch_uid=receiver.get(constants.PluginSignals.DISPATCH_UID) or f"{func.__module__}.{func.__name__}",
            )
