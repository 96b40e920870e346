"""
Serializers of the REST API: they validate request bodies and shape responses.
"""

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ... import compat, targets
from ...conf import setting
from ...rules import RECIPIENTS, REMINDER_DAYS_LIMIT, STATUSES
from ...validation import date_from_text


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


# Fields that refuse with the rule codes of SPEC §3 ------------------------------------------------


@extend_schema_field(OpenApiTypes.DATE)
class DueDateField(serializers.Field):
    """A calendar date written ``YYYY-MM-DD``; anything else is refused with ``invalid_due_date``."""

    default_error_messages = {"invalid_due_date": _("Enter the due date as YYYY-MM-DD.")}

    def validate_empty_values(self, data):
        if data is None:  # null is no date either: the same code as any other non-date
            self.fail("invalid_due_date")
        return super().validate_empty_values(data)

    def to_internal_value(self, data):
        try:
            return date_from_text(data)
        except ValueError:
            self.fail("invalid_due_date")
        return None  # never reached: fail() raises

    def to_representation(self, value):
        return value.isoformat()


@extend_schema_field(OpenApiTypes.STR)
class NoteField(serializers.Field):
    """Plain text of at most ``MANDATORY_ASSIGNMENTS_MAX_NOTE_LENGTH`` characters, else ``invalid_note``."""

    default_error_messages = {
        "invalid_note": _("The note must be text."),
        "invalid_note_length": _("The note may have at most {limit} characters."),
    }

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_note")
        limit = setting("MAX_NOTE_LENGTH")
        if len(data) > limit:
            raise serializers.ValidationError(
                self.error_messages["invalid_note_length"].format(limit=limit), code="invalid_note"
            )
        return data

    def to_representation(self, value):
        return value


class ReminderSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    """One reminder: ``days`` before the due date (0 on it, negative after it), to whom, with which template."""

    days = serializers.IntegerField(
        min_value=-REMINDER_DAYS_LIMIT,
        max_value=REMINDER_DAYS_LIMIT,
        help_text=_("Calendar days before the due date (0: on it; negative: after it)."),
    )
    recipient = serializers.ChoiceField(choices=RECIPIENTS)
    template = serializers.CharField(allow_null=True, required=False, help_text=_("A custom email template's name."))


@extend_schema_field(ReminderSerializer(many=True))
class RemindersField(serializers.Field):
    """
    The reminders, passed to the api as given: its rules refuse them with ``invalid_reminder``
    (a list is all this field checks). ``null``: the default reminders; ``[]``: none.
    """

    default_error_messages = {"invalid_reminder": _("Reminders must be a list.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, list):
            self.fail("invalid_reminder")
        return data

    def to_representation(self, value):
        return value


@extend_schema_field(OpenApiTypes.INT)
class RepeatWeeksField(serializers.Field):
    """Weeks between cycles (1…520) or ``null``; passed to the api, which refuses others with ``invalid_repetition``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        return data

    def to_representation(self, value):
        return value


# Assignments --------------------------------------------------------------------------------------


class PersonSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    """A person as the API shows them."""

    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField(help_text=_("The full name from the person's profile."))
    email = serializers.EmailField()


class AssignerSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    id = serializers.IntegerField()
    username = serializers.CharField()


class TargetSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    key = serializers.CharField(help_text=_("Course key or learning path key."))
    type = serializers.ChoiceField(choices=["course", "path"])
    display_name = serializers.CharField()


class AssignmentSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    """
    An assignment (SPEC §3). ``user.name`` and ``target.display_name`` come from the annotations
    ``person_name`` and ``target_name`` (``listing.with_names``) when present, else are read one by one.
    """

    id = serializers.IntegerField()
    user = serializers.SerializerMethodField()
    target = serializers.SerializerMethodField()
    due_date = serializers.DateField()
    status = serializers.ChoiceField(choices=STATUSES)
    note = serializers.CharField(allow_blank=True)
    repeat_weeks = serializers.IntegerField(allow_null=True)
    cycle = serializers.IntegerField()
    assigned_by = serializers.SerializerMethodField()
    reminders = ReminderSerializer(many=True)
    created = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(PersonSerializer)
    def get_user(self, assignment):
        return person_data(assignment.user, getattr(assignment, "person_name", None))

    @extend_schema_field(TargetSerializer)
    def get_target(self, assignment):
        name = getattr(assignment, "target_name", None)
        if not hasattr(assignment, "target_name"):
            resolved = targets.resolve(assignment.target_key)
            name = resolved.display_name if resolved else None
        return {
            "key": assignment.target_key,
            "type": assignment.target_type,
            "display_name": name or assignment.target_key,
        }

    @extend_schema_field(AssignerSerializer(allow_null=True))
    def get_assigned_by(self, assignment):
        if assignment.assigned_by is None:
            return None
        return {"id": assignment.assigned_by.pk, "username": assignment.assigned_by.username}


def person_data(user, name=None):
    """``{id, username, name, email}``; ``name`` read from the profile when not given."""
    if name is None:
        name = compat.get_profile_names([user.pk]).get(user.pk)
    return {"id": user.pk, "username": user.username, "name": name or user.get_full_name(), "email": user.email}


class AssignmentCreateSerializer(StrictSerializer):  # pylint: disable=abstract-method
    """``POST assignments/``."""

    user = serializers.CharField(help_text=_("The person's username or email address."))
    target = serializers.CharField(help_text=_("Course key or learning path key."))
    due_date = DueDateField(help_text=_("YYYY-MM-DD; the deadline is the end of that day in the person's time zone."))
    repeat_weeks = RepeatWeeksField(required=False, help_text=_("Weeks between cycles (1-520), or null."))
    note = NoteField(required=False, help_text=_("Plain text shown to the person."))
    reminders = RemindersField(required=False)


class AssignmentUpdateSerializer(StrictSerializer):  # pylint: disable=abstract-method
    """``PATCH assignments/<id>/``: only the fields given change."""

    due_date = DueDateField(required=False)
    note = NoteField(required=False)
    reminders = RemindersField(required=False)
    repeat_weeks = RepeatWeeksField(required=False)


# Bulk ---------------------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.STR)
class PastedValueField(serializers.Field):
    """
    One entry of a list of people (a username or email, as typed or pasted): any text — empty, with
    control characters, a whole line of garbage — or a number. A value that names nobody is reported for
    that value alone (``invalid`` / ``failed``); it never refuses the batch. Other JSON (null, objects,
    lists) is a malformed request.
    """

    default_error_messages = {"invalid": _("Each person must be given as text (a username or email address).")}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (str, int)):
            self.fail("invalid")
        return str(data)

    def validate_empty_values(self, data):
        if data is None:
            self.fail("invalid")
        return super().validate_empty_values(data)

    def to_representation(self, value):
        return value


class PeopleSelectionSerializer(StrictSerializer):  # pylint: disable=abstract-method
    """Who a bulk assignment is for; each person counts once however many groups name them."""

    users = serializers.ListField(child=PastedValueField(), required=False, default=list)
    cohorts = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    teams = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    departments = serializers.ListField(child=serializers.CharField(), required=False, default=list)


class BulkSerializer(StrictSerializer):  # pylint: disable=abstract-method
    """``POST bulk/preview/`` and ``POST bulk/``."""

    target = serializers.CharField()
    due_date = DueDateField()
    note = NoteField(required=False)
    repeat_weeks = RepeatWeeksField(required=False)
    reminders = RemindersField(required=False)
    people = PeopleSelectionSerializer()


class SkippedSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    user = serializers.CharField(help_text=_("Username."))
    reason = serializers.CharField()


class InvalidSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    value = serializers.CharField(help_text=_("The value given (or the username)."))
    reason = serializers.CharField()


class FailedSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    value = serializers.CharField(help_text=_("The value given (or the username)."))
    message = serializers.CharField()


class BulkPreviewSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    count = serializers.IntegerField(help_text=_("How many assignments would be created."))
    create = serializers.ListField(child=serializers.CharField(), help_text=_("Usernames."))
    skip = SkippedSerializer(many=True)
    invalid = InvalidSerializer(many=True)


class BulkResultSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    created = serializers.ListField(child=serializers.CharField(), help_text=_("Usernames."))
    skipped = SkippedSerializer(many=True)
    failed = FailedSerializer(many=True)


class BulkStartedSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    task_id = serializers.CharField()


class BulkJobSerializer(BulkResultSerializer):  # pylint: disable=abstract-method
    state = serializers.ChoiceField(choices=["PENDING", "STARTED", "SUCCESS", "FAILURE"])
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    created = serializers.ListField(child=serializers.CharField(allow_null=True), help_text=_("Usernames."))


# Groups -------------------------------------------------------------------------------------------


class CohortSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    id = serializers.IntegerField()
    name = serializers.CharField()
    size = serializers.IntegerField()


class NamedGroupSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    id = serializers.CharField()
    name = serializers.CharField()
    size = serializers.IntegerField()


class GroupsSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    cohorts = CohortSerializer(many=True)
    teams = NamedGroupSerializer(many=True)
    departments = NamedGroupSerializer(many=True)


class ErrorSerializer(serializers.Serializer):  # pylint: disable=abstract-method
    """Every error of the API (see ``errors.py``)."""

    code = serializers.CharField()
    detail = serializers.CharField()
    field_errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
