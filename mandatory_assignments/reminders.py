"""
Reminder rows and their moments: each reminder's next moment (00:00 learner-local on ``due_date - days``)
is stored in ``Reminder.fire_at`` and recomputed when the due date, the reminders or the zone change.
"""

from django.utils import timezone

from . import rules
from .conf import setting
from .errors import AssignmentError
from .models import Assignment, EmailTemplate, Reminder
from .zones import user_time_zone


def clean_reminders(reminders):
    """The normalised reminder specs (``None``: the defaults), or ``invalid_reminder``."""
    if reminders is None:
        reminders = setting("DEFAULT_REMINDERS")
    names = {spec.get("template") for spec in reminders if isinstance(spec, dict) and spec.get("template")}
    known = set(EmailTemplate.objects.filter(name__in=names).values_list("name", flat=True)) if names else set()
    errors = rules.reminder_errors(reminders, max_reminders=setting("MAX_REMINDERS"), known_templates=known)
    if errors:
        raise AssignmentError("invalid_reminder", " ".join(str(error) for error in errors), "reminders")
    return rules.normalise_reminders(reminders)


def reminder_rows(assignment, specs, tz, now):
    """Unsaved reminder rows of ``assignment`` for ``specs``, each with its next moment."""
    return [
        Reminder(
            assignment=assignment,
            days=spec["days"],
            recipient=spec["recipient"],
            template=spec["template"] or "",
            fire_at=next_fire_at(assignment, spec["days"], tz, now),
        )
        for spec in specs
    ]


def next_fire_at(assignment, days, tz, now):
    """
    The reminder's moment for the current due date, unless it is already past (never sent late). A moment
    that is exactly now is not past: the tick claims reminders whose moment is at or before its own.
    """
    if assignment.completed_at is not None:
        return None
    moment = rules.reminder_moment(assignment.due_date, days, tz)
    return moment if moment >= now else None


def reschedule_reminders(assignment, tz=None, now=None):
    """Recompute every reminder's moment against the assignment's due date and the person's zone."""
    now = now or timezone.now()
    tz = tz or user_time_zone(assignment.user)
    for row in assignment.reminder_rows.all():
        fire_at = next_fire_at(assignment, row.days, tz, now)
        if fire_at != row.fire_at:
            row.fire_at = fire_at
            row.save(update_fields=["fire_at"])


def time_zone_changed(user):
    """The person's time zone changed: their open deadlines and reminder moments move with it."""
    tz = user_time_zone(user)
    now = timezone.now()
    for assignment in Assignment.objects.filter(user=user, completed_at__isnull=True).select_related("user"):
        assignment.deadline = rules.deadline_for(assignment.due_date, tz)
        assignment.save(update_fields=["deadline", "modified"])
        reschedule_reminders(assignment, tz, now)
