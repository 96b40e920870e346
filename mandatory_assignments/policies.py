"""
The ACE policy that lets a person turn off reminder emails of mandatory assignments.

Registered under the ``openedx.ace.policy`` entry point as ``mandatory_assignments.opt_out`` (setup.py)
and enabled by the plugin settings, which append that name to ``ACE_ENABLED_POLICIES``. edx-ace reads
its policies once per process from the installed entry points.
"""

import logging

from edx_ace.channel import ChannelType
from edx_ace.policy import Policy, PolicyResult

from . import message_context

log = logging.getLogger(__name__)

APP_LABEL = "mandatory_assignments"
# The key and its reading live in preferences.py (documented there as a toggle).
from .preferences import EMAIL_REMINDERS_PREFERENCE, email_reminders_enabled  # noqa: E402,F401  pylint: disable=wrong-import-position

# The messages the preference covers; the other messages are service notices.
OPT_OUT_MESSAGES = ("reminder", "overdue")


class EmailReminderOptOutPolicy(Policy):
    """Deny the email channel for reminder and overdue emails to people who turned them off."""

    def check(self, message):
        if getattr(message, "app_label", None) != APP_LABEL or getattr(message, "name", None) not in OPT_OUT_MESSAGES:
            return PolicyResult(deny=set())
        enabled = self._prefetched_switch(message)
        if enabled is None:
            user = self._recipient_user(message)
            if user is None:
                return PolicyResult(deny=set())
            enabled = email_reminders_enabled(user)
        if not enabled:
            log.info(
                "Reminder email %s to user %s denied: the user turned reminder emails off",
                message.uuid,
                message.recipient.lms_user_id,
            )
            return PolicyResult(deny={ChannelType.EMAIL})
        return PolicyResult(deny=set())

    @staticmethod
    def _prefetched_switch(message):
        """
        The recipient's switch from the prefetch of the chunk the plugin is sending (no query), or
        ``None`` outside one.
        """
        try:
            user_id = int(getattr(getattr(message, "recipient", None), "lms_user_id", None))
        except (TypeError, ValueError):
            return None
        return message_context.reminders_enabled_for(user_id)

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
