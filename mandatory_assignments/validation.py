"""
The checks an assignment's input passes before anything is written: target, permission, company,
person, due date, repetition and note. Each refusal is an :class:`AssignmentError` naming its field.
"""

import datetime
import re

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from . import access, rules, targets
from .conf import setting
from .errors import AssignmentError

# A due date as text: exactly YYYY-MM-DD in ASCII digits. (``date.fromisoformat`` also reads ISO week
# dates such as 2026-W53-1 and the basic format 20261231, which no one means as a due date.)
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def date_from_text(text):
    """The ``date`` written ``YYYY-MM-DD`` (surrounding spaces allowed) in ``text``; ``ValueError`` otherwise."""
    text = text.strip() if isinstance(text, str) else None
    if text is None or not ISO_DATE.fullmatch(text):
        raise ValueError("not a YYYY-MM-DD date")
    return datetime.date.fromisoformat(text)


def parse_due_date(value, now):
    """
    The due date as a ``date``: a date, or its ``YYYY-MM-DD`` text. Anything else (a moment, a date that
    does not exist, one more than ``MAX_DUE_YEARS`` ahead) is ``invalid_due_date``.
    """
    if isinstance(value, datetime.datetime):
        raise AssignmentError("invalid_due_date", _("The due date must be a calendar date, not a moment."), "due_date")
    if isinstance(value, datetime.date):
        due_date = value
    else:
        try:
            due_date = date_from_text(value)
        except ValueError:
            raise AssignmentError(
                "invalid_due_date", _("Enter the due date as a calendar date, YYYY-MM-DD."), "due_date"
            ) from None
    years = setting("MAX_DUE_YEARS")
    latest = _years_after(now.date(), years)
    if due_date > latest:
        raise AssignmentError(
            "invalid_due_date",
            _("The due date must not lie more than {years} years ahead (at the latest {date}).").format(
                years=years, date=latest.isoformat()
            ),
            "due_date",
        )
    return due_date


def _years_after(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def check_due_date(due_date, tz, now):
    earliest = rules.earliest_due_date(now, tz, setting("MIN_LEAD_DAYS"))
    if due_date < earliest:
        raise AssignmentError(
            "due_date_too_soon",
            _("The due date must be on or after {date}.").format(date=earliest.isoformat()),
            "due_date",
        )


def check_repeat_weeks(repeat_weeks):
    if not rules.repeat_weeks_valid(repeat_weeks):
        low, high = rules.REPEAT_WEEKS_RANGE
        raise AssignmentError(
            "invalid_repetition",
            _("Repetition must be a whole number of weeks from {low} to {high}, or empty.").format(low=low, high=high),
            "repeat_weeks",
        )


def clean_note(note):
    """The note as plain text (``None``: empty), at most ``MAX_NOTE_LENGTH`` characters, else ``invalid_note``."""
    if note is None:
        return ""
    if not isinstance(note, str):
        raise AssignmentError("invalid_note", _("The note must be text."), "note")
    limit = setting("MAX_NOTE_LENGTH")
    if len(note) > limit:
        raise AssignmentError(
            "invalid_note",
            _("The note may have at most {limit} characters ({length} given).").format(limit=limit, length=len(note)),
            "note",
        )
    return note


def resolve_target(target):
    resolved = targets.resolve(target)
    if resolved is None:
        raise AssignmentError(
            "unknown_target", _("There is no course or learning path {key}.").format(key=target), "target"
        )
    return resolved


def check_may_manage(by, target):
    if not access.can_manage_target(by, target):
        raise AssignmentError(
            "not_allowed", _("You may not assign or change assignments of {name}.").format(name=target.display_name)
        )


def check_target_company(by, target):
    if access.scoped() and not access.unrestricted(by) and not access.target_in_company(target, access.company_of(by)):
        raise AssignmentError("other_company", _("This course belongs to another company."), "target")


def same_company(by, user, companies):
    """Whether ``by`` may act on ``user``; ``companies`` maps both ids to their company."""
    if not access.scoped() or access.unrestricted(by):
        return True
    return companies.get(by.id) == companies.get(user.id)


def check_person_company(by, user):
    if not same_company(by, user, access.companies_of([by.id, user.id])):
        raise AssignmentError("other_company", _("This person belongs to another company."), "user")


def already_assigned():
    return AssignmentError("already_assigned", _("This person already has an open assignment for this target."), "user")


def check_person(user):
    if user is None or not isinstance(user, get_user_model()) or not user.is_active:
        raise AssignmentError("unknown_user", _("There is no such active person."), "user")
