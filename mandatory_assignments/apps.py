"""
The Django app and its Open edX plugin configuration.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from edx_django_utils.plugins.constants import PluginSettings, PluginSignals, PluginURLs

LMS = "lms.djangoapp"
PREFERENCE_MODEL = "openedx.core.djangoapps.user_api.models.UserPreference"
PROFILE_MODEL = "common.djangoapps.student.models.UserProfile"

# Platform signals are named by string path, so that nothing of the platform is imported when the
# app loads; the plugin framework connects them once the LMS is ready.
_EVENT_RECEIVERS = [
    ("openedx_events.learning.signals.COURSE_PASSING_STATUS_UPDATED", "on_course_passing_status_updated"),
    ("openedx_events.learning.signals.CCX_COURSE_PASSING_STATUS_UPDATED", "on_ccx_course_passing_status_updated"),
    ("openedx_events.learning.signals.PERSISTENT_GRADE_SUMMARY_CHANGED", "on_persistent_grade_summary_changed"),
    ("openedx_events.learning.signals.CERTIFICATE_CREATED", "on_certificate_created"),
    ("openedx_events.learning.signals.COURSE_UNENROLLMENT_COMPLETED", "on_course_unenrollment_completed"),
    ("openedx.core.djangoapps.user_api.accounts.signals.USER_RETIRE_LMS_MISC", "on_user_retire"),
    ("edx_ace.signals.ACE_MESSAGE_SENT", "on_ace_message_sent"),
]


def _receiver(signal_path, func_name, sender_path=None):
    config = {
        PluginSignals.SIGNAL_PATH: signal_path,
        PluginSignals.RECEIVER_FUNC_NAME: func_name,
        PluginSignals.DISPATCH_UID: f"mandatory_assignments.{func_name}.{signal_path.rsplit('.', 1)[-1]}",
    }
    if sender_path:
        config[PluginSignals.SENDER_PATH] = sender_path
    return config


class MandatoryAssignmentsConfig(AppConfig):
    """
    Mandatory assignments: staff assign a course or learning path with a due date.
    """

    name = "mandatory_assignments"
    verbose_name = _("Mandatory assignments")
    default_auto_field = "django.db.models.BigAutoField"

    plugin_app = {
        PluginURLs.CONFIG: {
            LMS: {
                PluginURLs.NAMESPACE: "mandatory_assignments",
                PluginURLs.APP_NAME: "mandatory_assignments",
                PluginURLs.REGEX: r"^",
                PluginURLs.RELATIVE_PATH: "urls",
            }
        },
        PluginSettings.CONFIG: {
            LMS: {
                "common": {PluginSettings.RELATIVE_PATH: "settings.common"},
                "production": {PluginSettings.RELATIVE_PATH: "settings.production"},
                "test": {PluginSettings.RELATIVE_PATH: "settings.test"},
            }
        },
        PluginSignals.CONFIG: {
            LMS: {
                PluginSignals.RELATIVE_PATH: "receivers",
                PluginSignals.RECEIVERS: [
                    *(_receiver(path, func) for path, func in _EVENT_RECEIVERS),
                    _receiver(
                        "django.db.models.signals.post_save",
                        "on_block_completion_saved",
                        sender_path="completion.models.BlockCompletion",
                    ),
                    _receiver("django.db.models.signals.post_save", "on_profile_saved", sender_path=PROFILE_MODEL),
                    *(
                        _receiver(signal, "on_time_zone_preference_changed", sender_path=PREFERENCE_MODEL)
                        for signal in ("django.db.models.signals.post_save", "django.db.models.signals.post_delete")
                    ),
                ],
            }
        },
    }

    def ready(self):
        # Register the Celery tasks (the domain queues them by name) and the system checks.
        from . import checks, tasks  # noqa: F401  pylint: disable=import-outside-toplevel,unused-import
