"""
User preferences: free key/value strings per user (``time_zone``, ``pref-lang``, plugins' own keys).
"""

from django.contrib.auth import get_user_model
from django.core.validators import RegexValidator
from django.db import models

User = get_user_model()


class UserPreference(models.Model):
    """
    A user's preference, stored as text.

    .. no_pii:
    """

    KEY_REGEX = r"[-_a-zA-Z0-9]+"
    user = models.ForeignKey(User, db_index=True, related_name="preferences", on_delete=models.CASCADE)
    key = models.CharField(max_length=255, db_index=True, validators=[RegexValidator(KEY_REGEX)])
    value = models.TextField()

    class Meta:
        app_label = "user_api"
        unique_together = ("user", "key")

    def __str__(self):
        return f"{self.user_id}: {self.key}"

    @staticmethod
    def get_all_preferences(user):
        """``{key: value}`` of all the user's preferences."""
        return {pref.key: pref.value for pref in user.preferences.all()}

    @classmethod
    def get_value(cls, user, preference_key, default=None):
        """The value, or ``default``. No authorization check: use the preferences API in requests."""
        try:
            return cls.objects.get(user=user, key=preference_key).value
        except cls.DoesNotExist:
            return default

    @classmethod
    def has_value(cls, user, preference_key):
        return cls.objects.filter(user=user, key=preference_key).exists()

    @classmethod
    def get_preference_for_users(cls, user_ids, preference_key):
        """The ``UserPreference`` rows of one key for many users (a queryset)."""
        return cls.objects.filter(user__in=user_ids, key=preference_key)
