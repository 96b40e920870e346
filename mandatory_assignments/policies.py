"""
The ACE policy that lets a person turn off reminder emails of mandatory assignments.

Registered under the ``openedx.ace.policy`` entry point as ``mandatory_assignments.opt_out`` (setup.py)
and enabled by the plugin settings, which append that name to ``ACE_ENABLED_POLICIES``. edx-ace reads
its policies once per process from the installed entry points.
"""

import logging

from edx_ace.channel import ChannelType
from edx_ace.policy import Policy, PolicyResult

log = logging.getLogger(__name__)

APP_LABEL = "mandatory_assignments"
# .. toggle_name: mandatory_assignments_email_reminders (user preference)
# .. toggle_implementation: UserPreference
# .. toggle_default: "true" (absent means on)
# .. toggle_description: "false" turns off every reminder and overdue email of mandatory assignments
#   addressed to the person, whatever their role; assigned, withdrawn and new-cycle notices still go out.
EMAIL_REMINDERS_PREFERENCE = "mandatory_assignments_email_reminders"
# The messages the preference covers; the other messages are service notices.
OPT_OUT_MESSAGES = ("reminder", "overdue")


def reminders_turned_off(value):
    """Whether a stored preference value means "no reminder emails" (only an explicit false does)."""
    return isinstance(value, str) and value.strip().lower() == "false"


class EmailReminderOptOutPolicy(Policy):
    """Deny the email channel for reminder and overdue emails to people who turned them off."""

    def check(self, message):
        if getattr(message, "app_label", None) != APP_LABEL or getattr(message, "name", None) not in OPT_OUT_MESSAGES:
            return PolicyResult(deny=set())
        user = self._recipient_user(message)
        if user is None:
            return PolicyResult(deny=set())
        from . import compat  # pylint: disable=import-outside-toplevel

        if reminders_turned_off(compat.get_user_preference(user, EMAIL_REMINDERS_PREFERENCE)):
            log.info("Reminder email %s to user %s denied: the user turned reminder emails off", message.uuid, user.pk)
            return PolicyResult(deny={ChannelType.EMAIL})
        return PolicyResult(deny=set())

    @staticmethod
    def _recipient_user(message):
        from django.contrib.auth import get_user_model  # pylint: disable=import-outside-toplevel

        user_id = getattr(getattr(message, "recipient", None), "lms_user_id", None)
        if user_id in (None, ""):
            return None
        try:
            return get_user_model().objects.filter(pk=int(user_id)).first()
        except (TypeError, ValueError):
            return None
