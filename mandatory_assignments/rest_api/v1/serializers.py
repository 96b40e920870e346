"""
Serializers of the REST API: they validate request bodies and shape responses.
"""

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class StrictBooleanField(serializers.BooleanField):
    """
    A boolean that is ``true`` or ``false`` and nothing else (DRF's own also takes ``1``, ``"yes"``,
    ``"on"``...). The strings ``"true"``/``"false"`` are accepted for clients that can only send text.
    """

    default_error_messages = {"invalid": _("Must be true or false.")}

    def to_internal_value(self, data):
        if data is True or data is False:
            return data
        if isinstance(data, str) and data.strip().lower() in ("true", "false"):
            return data.strip().lower() == "true"
        self.fail("invalid", input=data)
        return None  # never reached: fail() raises


class StrictSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    """A serializer that refuses fields it does not know, so that a typo never passes silently."""

    def to_internal_value(self, data):
        unknown = {}
        if isinstance(data, Mapping):
            unknown = {name: [_("Unknown field.")] for name in data if name not in self.fields}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if unknown and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**exc.detail, **unknown}) from exc
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


class PreferencesSerializer(StrictSerializer):  # pylint: disable=abstract-method
    """The person's own settings of mandatory assignments: ``{"email_reminders": bool}``."""

    email_reminders = StrictBooleanField(
        required=True,
        help_text=_("Whether reminder and overdue emails of mandatory assignments are sent to the person."),
    )
