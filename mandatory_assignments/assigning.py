"""
Assigning one person: checks, the assignment with its reminders, the forced enrollment, the person's
existing state recognised, and the "assigned" notice recorded — all in one transaction.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from . import compat, notifications, rules, validation
from .audit import audit_entry
from .enrollment import enroll
from .evidence import recognise_existing_state
from .models import Assignment, AuditEntry, Reminder
from .reminders import clean_reminders, reminder_rows
from .zones import user_time_zone


def new_assignment(*, user, target, due_date, tz, assigned_by, repeat_weeks, note, now):
    """An unsaved assignment in its first cycle."""
    return Assignment(
        user=user,
        target_key=target.key,
        target_type=target.type,
        assigned_by=assigned_by,
        due_date=due_date,
        deadline=rules.deadline_for(due_date, tz),
        repeat_weeks=repeat_weeks,
        note=note or "",
        cycle=1,
        cycle_started_at=now,
    )


def creation_changes(assignment, specs):
    """What the "created" audit entry records."""
    return {
        "due_date": assignment.due_date.isoformat(),
        "repeat_weeks": assignment.repeat_weeks,
        "note": assignment.note,
        "reminders": specs,
    }


def assign(*, user, target, due_date, assigned_by, repeat_weeks=None, note="", reminders=None):
    """
    Assign ``target`` (a course or learning path key) to ``user`` by ``due_date``.

    Enrolls the person, schedules the reminders, records the "assigned" email (sent after commit), and
    recognises what the person already did (an existing pass completes the assignment at once).
    """
    now = timezone.now()
    validation.check_person(user)
    resolved = validation.resolve_target(target)
    validation.check_may_manage(assigned_by, resolved)
    validation.check_target_company(assigned_by, resolved)
    validation.check_person_company(assigned_by, user)
    validation.check_repeat_weeks(repeat_weeks)
    note = validation.clean_note(note)
    specs = clean_reminders(reminders)
    due_date = validation.parse_due_date(due_date, now)
    tz = user_time_zone(user)
    validation.check_due_date(due_date, tz, now)
    if Assignment.objects.filter(user=user, target_key=resolved.key, is_open=True).exists():
        raise validation.already_assigned()

    already_enrolled = compat.enrolled_course_keys([user.id], resolved.course_keys)
    try:
        with transaction.atomic():
            assignment = new_assignment(
                user=user,
                target=resolved,
                due_date=due_date,
                tz=tz,
                assigned_by=assigned_by,
                repeat_weeks=repeat_weeks,
                note=note,
                now=now,
            )
            assignment.save()
            Reminder.objects.bulk_create(reminder_rows(assignment, specs, tz, now))
            audit_entry(assignment, AuditEntry.CREATED, assigned_by, creation_changes(assignment, specs)).save()
            enroll(user, resolved)
            recognise_existing_state([assignment], resolved, already_enrolled, now)
            notifications.assigned([assignment])
    except IntegrityError as exc:  # assigned by someone else meanwhile
        raise validation.already_assigned() from exc
    return Assignment.objects.select_related("user", "assigned_by").get(pk=assignment.pk)



