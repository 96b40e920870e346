"""
Forms of the staff pages: an assignment (New, Edit), its reminders, and the bulk wizard's steps.

The forms only parse what people type; the rules (the earliest due date, repetition range, reminder
limits, permissions) are ``mandatory_assignments.api``'s, whose ``AssignmentError`` is shown at the field
it names (:func:`add_assignment_error`). Each control carries ``aria-describedby`` pointing at its hint
and error, and ``aria-invalid`` when it has an error (:meth:`AccessibleFormMixin.annotate`).
"""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..conf import setting
from . import _core

RECIPIENT_CHOICES = [
    ("student", _("student (the person)")),
    ("assigned_by", _("assigned_by (you)")),
    ("managers", _("managers (supervisors)")),
]

# AssignmentError.field (the api's names) -> the form field that shows the error.
API_FIELDS = {
    "user": "person",
    "target": "target",
    "due_date": "due_date",
    "repeat_weeks": "repeat_weeks",
    "note": "note",
    "reminders": None,  # shown above the reminders editor (the formset's non-form errors)
}


class AccessibleFormMixin:
    """Labels stay visible; hints and errors are tied to their control for screen readers."""

    hints = {}

    def annotate(self):
        """Set ``aria-describedby``/``aria-invalid`` from the current hints and errors (call before rendering)."""
        errors = self.errors if self.is_bound else {}
        for name, field in self.fields.items():
            bound = self[name]
            described = []
            if name in self.hints:
                # The bound field copied the help text when it was first made: set both.
                field.help_text = bound.help_text = self.hints[name]
                described.append(f"{bound.auto_id}-hint")
            if name in errors:
                described.append(f"{bound.auto_id}-error")
                field.widget.attrs["aria-invalid"] = "true"
            else:
                field.widget.attrs.pop("aria-invalid", None)
            if described:
                field.widget.attrs["aria-describedby"] = " ".join(described)
            else:
                field.widget.attrs.pop("aria-describedby", None)
        return self

    def hint_for(self, name):
        return self.hints.get(name, "")


def earliest_due_date_hint():
    earliest = timezone.localdate() + datetime.timedelta(days=setting("MIN_LEAD_DAYS"))
    return _("At least {days} days from today in the person's time zone: on or after about {date}.").format(
        days=setting("MIN_LEAD_DAYS"), date=earliest.isoformat()
    )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class BasicInfoForm(AccessibleFormMixin, forms.Form):
    """Target, due date, repetition and note: the New and Edit forms and the bulk wizard's first step."""

    target = forms.ChoiceField(label=_("Target"), choices=())
    due_date = forms.DateField(
        label=_("Due date"),
        input_formats=["%Y-%m-%d"],
        widget=DateInput(),
        error_messages={"required": _("Enter a due date."), "invalid": _("Enter the due date as YYYY-MM-DD.")},
    )
    repeat_weeks = forms.IntegerField(
        label=_("Repetition (weeks)"),
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "ma-input-short"}),
        error_messages={"invalid": _("Enter a whole number of weeks, or leave it empty.")},
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, target_choices=(), fixed_target=None, show_target=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fixed_target = fixed_target
        self.hints = {
            "due_date": earliest_due_date_hint(),
            "repeat_weeks": _("For example 52 for an annual repetition."),
            "note": _(
                "Shown to the person in the course, for example “Please before the next team meeting”."
            ),
        }
        if fixed_target is not None:
            # The course page assigns its own course: shown, not chosen.
            self.fields["target"] = forms.CharField(label=_("Target"), required=False, widget=forms.HiddenInput())
            self.initial["target"] = fixed_target.key
        elif not show_target:
            del self.fields["target"]
        else:
            self.fields["target"].choices = [("", _("Choose a course or learning path"))] + [
                (group, list(options)) for group, options in target_choices if options
            ]
            self.fields["target"].error_messages["required"] = _("Choose a course or learning path.")
            self.fields["target"].error_messages["invalid_choice"] = _(
                "Choose a course or learning path from the list."
            )
        max_note = setting("MAX_NOTE_LENGTH")
        self.fields["note"].widget.attrs["maxlength"] = str(max_note)
        self.fields["due_date"].widget.attrs["min"] = (
            timezone.localdate() + datetime.timedelta(days=setting("MIN_LEAD_DAYS"))
        ).isoformat()

    def target_key(self):
        if self.fixed_target is not None:
            return self.fixed_target.key
        return self.cleaned_data.get("target")


class AssignmentForm(BasicInfoForm):
    """New: one person."""

    person = forms.CharField(
        label=_("Person"),
        max_length=254,
        error_messages={"required": _("Enter the person's username or email address.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "none",
                "spellcheck": "false",
                "data-ma-autocomplete": "people",
            }
        ),
    )
    field_order = ["target", "person", "due_date", "repeat_weeks", "note"]

    def __init__(self, *args, by=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.by = by
        self.hints["person"] = _("Username or email address. Type a few letters to search.")
        self.order_fields(self.field_order)

    def clean_person(self):
        value = self.cleaned_data["person"]
        person = _core.find_person(value, by=self.by)
        if person is None:
            raise forms.ValidationError(
                _("No person with the username or email address “{value}” in your company.").format(
                    value=value
                ),
                code="unknown_user",
            )
        return person


class EditForm(BasicInfoForm):
    """Edit: due date, note, repetition (the target and person stay)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, show_target=False, **kwargs)


# Reminders ----------------------------------------------------------------------------------------


class ReminderForm(forms.Form):
    """One reminder row: Days relative to due date, Recipient, Email template."""

    days = forms.IntegerField(
        label=_("Days relative to due date"),
        min_value=-365,
        max_value=365,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "ma-input-short"}),
        error_messages={
            "required": _("Enter the days relative to the due date."),
            "invalid": _("Enter a whole number of days."),
        },
    )
    recipient = forms.ChoiceField(label=_("Recipient"), choices=RECIPIENT_CHOICES, initial="student")
    template = forms.ChoiceField(label=_("Email template"), required=False, choices=())

    def __init__(self, *args, template_names=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [("", _("Default email"))] + [(name, name) for name in template_names]
        self.annotate()

    def annotate(self):
        """The days field points at the editor's hint; a field with an error also at its error."""
        errors = self.errors if self.is_bound and self._errors is not None else {}
        for name, field in self.fields.items():
            described = ["ma-days-hint"] if name == "days" else []
            if name in errors:
                described.append(f"{self[name].auto_id}-error")
                field.widget.attrs["aria-invalid"] = "true"
            if described:
                field.widget.attrs["aria-describedby"] = " ".join(described)

    def spec(self):
        data = self.cleaned_data
        return {"days": data["days"], "recipient": data["recipient"], "template": data.get("template") or None}


class BaseReminderFormSet(forms.BaseFormSet):
    def __init__(self, *args, template_names=(), **kwargs):
        self.template_names = list(template_names)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "template_names": self.template_names}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            template_names=self.template_names,
            renderer=self.renderer,
        )
        self.add_fields(form, None)
        return form

    def specs(self):
        """The reminder specs of the rows kept: rows marked for removal and untouched new rows left out."""
        return [form.spec() for form in self.forms if not self._should_delete_form(form) and form.cleaned_data]

    def annotate(self):
        for form in self.forms:
            form.annotate()
        return self


def reminder_formset_class():
    return forms.formset_factory(
        ReminderForm,
        formset=BaseReminderFormSet,
        extra=0,
        can_delete=True,
        max_num=setting("MAX_REMINDERS"),
        validate_max=True,
        absolute_max=max(1000, setting("MAX_REMINDERS")),
    )


def reminder_formset(data=None, *, initial=None, add_row=False):
    """
    The reminders editor. Unbound: ``initial`` rows (default: the plugin's default reminders). With
    ``add_row`` (the "Add reminder" button without JavaScript) the posted rows come back with one more.
    """
    names = _core.email_template_names()
    formset_class = reminder_formset_class()
    if data is not None and add_row:
        bound = formset_class(data, prefix="reminders", template_names=names)
        rows = []
        for form in bound.forms:
            if bound.can_delete and form.data.get(form.add_prefix("DELETE")):
                continue
            rows.append({name: form.data.get(form.add_prefix(name), "") for name in ("days", "recipient", "template")})
        rows.append({"days": "", "recipient": "student", "template": ""})
        return formset_class(prefix="reminders", initial=rows, template_names=names)
    if data is not None:
        return formset_class(data, prefix="reminders", template_names=names)
    if initial is None:
        initial = [dict(spec, template=spec.get("template") or "") for spec in setting("DEFAULT_REMINDERS")]
    return formset_class(prefix="reminders", initial=initial, template_names=names)


def add_assignment_error(form, exc):
    """Show an ``api.AssignmentError`` at the field it names (else above the form)."""
    message = " ".join(str(message) for message in exc.messages)
    name = API_FIELDS.get(exc.field, "") if exc.field else ""
    if exc.field == "reminders":
        form.reminders_error = message
    elif name and name in form.fields:
        form.add_error(name, forms.ValidationError(message, code=exc.code))
    else:
        form.add_error(None, forms.ValidationError(message, code=exc.code))
    form.annotate()
