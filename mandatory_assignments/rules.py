"""
The rules of dates, statuses, reminders and repetition, on plain values (no database, no platform).

Every instant here is an aware ``datetime``; every calendar date is a ``date`` read in the learner's
time zone, which callers pass as a ``zoneinfo.ZoneInfo``.
"""

import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

ASSIGNED = "assigned"
IN_PROGRESS = "in_progress"
COMPLETED = "completed"
OVERDUE = "overdue"
STATUSES = (ASSIGNED, IN_PROGRESS, COMPLETED, OVERDUE)
OPEN_STATUSES = (ASSIGNED, IN_PROGRESS, OVERDUE)
STATUS_CHOICES = [
    (ASSIGNED, _("Assigned")),
    (IN_PROGRESS, _("In progress")),
    (COMPLETED, _("Completed")),
    (OVERDUE, _("Overdue")),
]

REMINDER_DAYS_LIMIT = 365
REPEAT_WEEKS_RANGE = (1, 520)
RECIPIENTS = ("student", "assigned_by", "managers")


def time_zone_or_default(name, default_name):
    """The zone called ``name`` when it is a valid IANA name, else ``default_name`` (else UTC)."""
    for candidate in (name, default_name):
        if candidate and isinstance(candidate, str):
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def local_midnight(day, tz):
    """The instant at which ``day`` begins in ``tz``, in UTC."""
    return datetime.datetime.combine(day, datetime.time(0, 0), tzinfo=tz).astimezone(datetime.UTC)


def local_today(now, tz):
    return now.astimezone(tz).date()


def deadline_for(due_date, tz):
    """The deadline: the end of the due date in the learner's zone (00:00 of the next day)."""
    return local_midnight(due_date + datetime.timedelta(days=1), tz)


def earliest_due_date(now, tz, min_lead_days):
    """The first due date allowed when assigning or changing a date at ``now``."""
    return local_today(now, tz) + datetime.timedelta(days=min_lead_days)


def reminder_moment(due_date, days, tz):
    """A reminder fires at 00:00 learner-local on ``due_date - days``."""
    return local_midnight(due_date - datetime.timedelta(days=days), tz)


def compute_status(*, completed_at, progressed_at, deadline, now):
    if completed_at is not None:
        return COMPLETED
    if now >= deadline:
        return OVERDUE
    if progressed_at is not None:
        return IN_PROGRESS
    return ASSIGNED


def next_cycle_due_date(previous_due_date, repeat_weeks, *, now, tz, min_lead_days):
    """
    The due date of the next cycle: the previous one plus ``repeat_weeks`` weeks, rolled forward by
    further steps while it would fall inside the minimum lead time.
    """
    step = datetime.timedelta(weeks=repeat_weeks)
    due = previous_due_date + step
    earliest = earliest_due_date(now, tz, min_lead_days)
    while due < earliest:
        due += step
    return due


def next_cycle_start(previous_deadline, completed_at):
    """A new cycle starts at the previous deadline, or at the completion when that came late."""
    return max(previous_deadline, completed_at)


def evidence_counts(evidence_at, *, cycle, cycle_started_at):
    """The first cycle takes any evidence (existing completions count); later ones only newer evidence."""
    if evidence_at is None:
        return False
    return cycle == 1 or evidence_at >= cycle_started_at


def reminder_errors(reminders, *, max_reminders, known_templates):
    """
    The problems of a list of reminder specs, as translated messages; empty when it is valid.

    ``known_templates`` is the set of custom template names that exist.
    """
    if not isinstance(reminders, (list, tuple)):
        return [_("Reminders must be a list.")]
    if len(reminders) > max_reminders:
        return [_("At most {count} reminders are allowed.").format(count=max_reminders)]
    errors = []
    seen = set()
    for index, spec in enumerate(reminders, start=1):
        if not isinstance(spec, dict):
            errors.append(_("Reminder {index}: must be an object.").format(index=index))
            continue
        unknown_keys = set(spec) - {"days", "recipient", "template"}
        if unknown_keys:
            errors.append(
                _("Reminder {index}: unknown field(s) {names}.").format(
                    index=index, names=", ".join(sorted(unknown_keys))
                )
            )
        days = spec.get("days")
        if (
            isinstance(days, bool)
            or not isinstance(days, int)
            or not -REMINDER_DAYS_LIMIT <= days <= REMINDER_DAYS_LIMIT
        ):
            errors.append(
                _("Reminder {index}: days must be a whole number from -{limit} to {limit}.").format(
                    index=index, limit=REMINDER_DAYS_LIMIT
                )
            )
        recipient = spec.get("recipient", "student")
        if recipient not in RECIPIENTS:
            errors.append(
                _("Reminder {index}: recipient must be one of {choices}.").format(
                    index=index, choices=", ".join(RECIPIENTS)
                )
            )
        template = spec.get("template")
        if template is not None and template not in known_templates:
            errors.append(
                _("Reminder {index}: there is no email template named {name!r}.").format(index=index, name=template)
            )
        if (days, recipient) in seen:
            errors.append(_("Reminder {index}: the same day and recipient are given twice.").format(index=index))
        seen.add((days, recipient))
    return errors


def normalise_reminders(reminders):
    """Specs with every key present (``recipient`` defaults to the person, ``template`` to none)."""
    return [
        {"days": spec["days"], "recipient": spec.get("recipient", "student"), "template": spec.get("template") or None}
        for spec in reminders
    ]


def repeat_weeks_valid(repeat_weeks):
    if repeat_weeks is None:
        return True
    low, high = REPEAT_WEEKS_RANGE
    return isinstance(repeat_weeks, int) and not isinstance(repeat_weeks, bool) and low <= repeat_weeks <= high


def reminder_out_of_time(dunning, moment, deadline):
    """
    Why a reminder due at ``moment`` is not sent, as far as the deadline decides (``None``: it may be):
    a dunning reminder (``days`` < 0) only once the deadline passed; one meant for before the deadline
    (``days`` ≥ 0) not after it — "due in 3 days" would be false, the overdue reminders speak then.
    """
    if dunning and moment < deadline:
        return gettext_noop("not overdue")
    if not dunning and moment >= deadline:
        return gettext_noop("the due date has passed")
    return None
