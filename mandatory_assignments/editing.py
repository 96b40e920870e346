"""
Editing and withdrawing an assignment: scoped to the staff who manage its target (and, with company
scoping, to their company). Editing sends no email; withdrawing tells the person.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import access, notifications, rules, targets, validation
from .audit import audit_entry, record_status
from .data import UNCHANGED
from .errors import AssignmentError
from .models import Assignment, AuditEntry, Reminder
from .reminders import clean_reminders, reminder_rows, reschedule_reminders
from .zones import user_time_zone


def _check_may_change(by, assignment):
    """``by`` manages the target and, with company scoping, belongs to the person's company."""
    target = targets.resolve(assignment.target_key)
    if target is None:
        if not access.is_global_staff(by):
            raise AssignmentError("not_allowed", _("You may not change this assignment."))
    else:
        validation.check_may_manage(by, target)
    if access.scoped() and not access.unrestricted(by):
        companies = access.companies_of([by.pk, assignment.user_id])
        if companies[by.pk] != companies[assignment.user_id]:
            raise AssignmentError("other_company", _("This person belongs to another company."), "user")
    return target


def update(assignment, *, by, due_date=UNCHANGED, note=UNCHANGED, reminders=UNCHANGED, repeat_weeks=UNCHANGED):
    """Change only the fields passed. Editing sends no email; a new due date re-schedules every reminder."""
    now = timezone.now()
    target = _check_may_change(by, assignment)
    if target is None:
        raise AssignmentError("unknown_target", _("The assignment's target no longer exists."), "target")
    if assignment.completed_at is not None:
        raise AssignmentError("completed_cannot_edit", _("A completed assignment cannot be changed."))
    changes = {}
    tz = user_time_zone(assignment.user)
    if repeat_weeks is not UNCHANGED:
        validation.check_repeat_weeks(repeat_weeks)
    if note is not UNCHANGED:
        note = validation.clean_note(note)
    if reminders is not UNCHANGED:
        specs = clean_reminders(reminders)  # None: the default reminders, as when assigning
    if due_date is not UNCHANGED:
        due_date = validation.parse_due_date(due_date, now)
        if due_date != assignment.due_date:
            validation.check_due_date(due_date, tz, now)
    with transaction.atomic():
        locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if locked.completed_at is not None:
            raise AssignmentError("completed_cannot_edit", _("A completed assignment cannot be changed."))
        if due_date is not UNCHANGED and due_date != locked.due_date:
            changes["due_date"] = [locked.due_date.isoformat(), due_date.isoformat()]
            locked.due_date = due_date
            locked.deadline = rules.deadline_for(due_date, tz)
        if note is not UNCHANGED and note != locked.note:
            changes["note"] = [locked.note, note]
            locked.note = note
        if repeat_weeks is not UNCHANGED and repeat_weeks != locked.repeat_weeks:
            changes["repeat_weeks"] = [locked.repeat_weeks, repeat_weeks]
            locked.repeat_weeks = repeat_weeks
        locked.save()
        if reminders is not UNCHANGED:
            before = locked.reminders
            if before != specs:
                changes["reminders"] = [before, specs]
                locked.reminder_rows.all().delete()
                Reminder.objects.bulk_create(reminder_rows(locked, specs, tz, now))
        if "due_date" in changes:
            reschedule_reminders(locked, tz, now)
        if changes:
            audit_entry(locked, AuditEntry.UPDATED, by, changes).save()
        record_status(locked, actor=by, now=now)
    return Assignment.objects.select_related("user", "assigned_by").get(pk=locked.pk)


def withdraw(assignment, *, by):
    """
    Delete the assignment (an audit entry and its email records remain) and tell the person. Their
    enrollment stays. A completed non-repeating assignment stays in the records and cannot be withdrawn.
    """
    _check_may_change(by, assignment)
    with transaction.atomic():
        locked = Assignment.objects.select_for_update().select_related("user").get(pk=assignment.pk)
        if locked.completed_at is not None and not locked.repeat_weeks:
            raise AssignmentError("completed_cannot_withdraw", _("A completed assignment cannot be withdrawn."))
        audit_entry(
            locked,
            AuditEntry.WITHDRAWN,
            by,
            {"due_date": locked.due_date.isoformat(), "cycle": locked.cycle, "status": locked.status},
        ).save()
        notifications.withdrawn(locked)
        locked.delete()
