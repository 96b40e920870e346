"""
The preferences API: read and change users' preferences on behalf of a requesting user.

Anyone may read and change their own preferences; staff may read (never change) other people's.
"""

import re

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from pytz import common_timezones_set

from ..errors import PreferenceUpdateError, PreferenceValidationError, UserNotAuthorized, UserNotFound
from ..models import UserPreference

User = get_user_model()

_KEY_PATTERN = re.compile(UserPreference.KEY_REGEX)


def has_user_preference(requesting_user, preference_key, username=None):
    existing_user = _get_authorized_user(requesting_user, username, allow_staff=True)
    return UserPreference.has_value(existing_user, preference_key)


def get_user_preference(requesting_user, preference_key, username=None):
    """The value (a string) of the user's preference, or None."""
    existing_user = _get_authorized_user(requesting_user, username, allow_staff=True)
    return UserPreference.get_value(existing_user, preference_key)


def get_user_preferences(requesting_user, username=None):
    """All the user's preferences as a dict."""
    existing_user = _get_authorized_user(requesting_user, username, allow_staff=True)
    return UserPreference.get_all_preferences(existing_user)


def set_user_preference(requesting_user, preference_key, preference_value, username=None):
    """Set a preference (the value is stored as a string); only the user themself may."""
    existing_user = _get_authorized_user(requesting_user, username)
    if preference_value is not None:
        preference_value = str(preference_value)
    _validate(preference_key, preference_value)
    try:
        UserPreference.objects.update_or_create(
            user=existing_user, key=preference_key, defaults={"value": preference_value}
        )
    except Exception as error:  # noqa: BLE001 -- reported as the platform does
        raise PreferenceUpdateError(
            developer_message=f"Save failed for user preference '{preference_key}' with value "
            f"'{preference_value}': {error}",
            user_message=_("Save failed for user preference '{key}' with value '{value}'.").format(
                key=preference_key, value=preference_value
            ),
        ) from error


def update_user_preferences(requesting_user, update, user=None):
    """Set several preferences at once; a None value deletes that preference."""
    username = user if isinstance(user, str) or user is None else user.username
    for key, value in update.items():
        if value is not None:
            _validate(key, str(value))
    for key, value in update.items():
        if value is None:
            delete_user_preference(requesting_user, key, username=username)
        else:
            set_user_preference(requesting_user, key, value, username=username)


def delete_user_preference(requesting_user, preference_key, username=None):
    """Delete a preference; returns False if there was none. Only the user themself may."""
    existing_user = _get_authorized_user(requesting_user, username)
    deleted, __ = UserPreference.objects.filter(user=existing_user, key=preference_key).delete()
    return bool(deleted)


def _get_authorized_user(requesting_user, username=None, allow_staff=False):
    if username is None:
        if requesting_user.pk:
            return requesting_user
        username = requesting_user.username
    _check_authorized(requesting_user, username, allow_staff)
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist:
        raise UserNotFound() from None


def _check_authorized(requesting_user, username, allow_staff=False):
    if requesting_user.username != username:
        if not requesting_user.is_staff or not allow_staff:
            raise UserNotAuthorized()


def _validate(preference_key, preference_value):
    """Raise ``PreferenceValidationError`` for an empty value, a malformed key or an unknown time zone."""
    if preference_value is None or str(preference_value).strip() == "":
        message = f"Preference '{preference_key}' cannot be set to an empty value."
        raise PreferenceValidationError({preference_key: {"developer_message": message, "user_message": message}})
    field = UserPreference._meta.get_field("key")
    if len(preference_key) > field.max_length or not _KEY_PATTERN.fullmatch(preference_key):
        raise PreferenceValidationError(
            {
                preference_key: {
                    "developer_message": f"Invalid user preference key '{preference_key}'.",
                    "user_message": _("Invalid user preference key '{preference_key}'.").format(
                        preference_key=preference_key
                    ),
                }
            }
        )
    if preference_key == "time_zone" and preference_value not in common_timezones_set:
        raise PreferenceValidationError(
            {
                preference_key: {
                    "developer_message": f"Value '{preference_value}' not valid for preference '{preference_key}': "
                    "Not in timezone set.",
                    "user_message": f"Value '{preference_value}' is not a valid time zone selection.",
                }
            }
        )
