"""
The person's own switch for reminder emails, kept as a platform user preference.

The preference is the platform's (``UserPreference``), so that it travels with the account like every
other preference and the ACE opt-out policy (``policies.py``) can read it when a message is sent. This
module is the one place that knows its key and how its values read.
"""

from . import compat

# .. toggle_name: mandatory_assignments_email_reminders (user preference)
# .. toggle_implementation: UserPreference
# .. toggle_default: absent (reminders on)
# .. toggle_description: "false" turns off every reminder and overdue email of mandatory assignments
#   addressed to the person; absent or "true" leaves them on. Service notices (assigned, withdrawn, new
#   cycle) are sent regardless.
EMAIL_REMINDERS_PREFERENCE = "mandatory_assignments_email_reminders"

ON = "true"
OFF = "false"


def reminders_enabled_value(value):
    """
    Whether a stored preference value leaves the reminders on.

    Only an explicit ``"false"`` turns them off: absent, ``"true"`` or anything unexpected keeps the
    person reminded, because a missed deadline costs them more than an unwanted email.
    """
    return value is None or str(value).strip().lower() != OFF


def email_reminders_enabled(user):
    """True unless ``user`` turned reminder emails off."""
    return reminders_enabled_value(compat.get_user_preference(user, EMAIL_REMINDERS_PREFERENCE))


def set_email_reminders(user, enabled, requesting_user):
    """
    Turn ``user``'s reminder emails on or off, on behalf of ``requesting_user``.

    Written through the platform's preferences API, which checks that ``requesting_user`` may change
    ``user``'s preferences (themself, or staff) and raises its own errors otherwise.
    """
    value = ON if enabled else OFF
    if user.pk == requesting_user.pk:
        compat.set_user_preference(requesting_user, EMAIL_REMINDERS_PREFERENCE, value)
    else:
        # Needs compat.set_user_preference(requesting_user, key, value, username=None).
        compat.set_user_preference(requesting_user, EMAIL_REMINDERS_PREFERENCE, value, username=user.username)
