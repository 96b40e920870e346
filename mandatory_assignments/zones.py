"""
People's time zones: their platform ``time_zone`` preference when it names a valid zone, else the default.
"""

from . import compat, rules
from .conf import default_time_zone_name


def user_time_zone(user):
    """The person's ``ZoneInfo``; an invalid or missing preference falls back to the default zone."""
    return rules.time_zone_or_default(
        compat.get_user_preference(user, compat.TIME_ZONE_PREFERENCE), default_time_zone_name()
    )


def time_zones_of(user_ids):
    """``{user_id: ZoneInfo}`` in one query."""
    names = compat.get_preference_for_users(user_ids, compat.TIME_ZONE_PREFERENCE)
    default = default_time_zone_name()
    return {user_id: rules.time_zone_or_default(names.get(user_id), default) for user_id in user_ids}
