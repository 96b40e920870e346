"""
The tick: starts new cycles, marks assignments overdue, and claims the reminders that are due.

Claimed deliveries are sent by Celery tasks over chunks of ids after the claim has committed.
"""

import logging
from collections import defaultdict

from django.db import transaction
from opaque_keys.edx.keys import CourseKey

from . import api, compat, delivery, notifications, rules, targets
from .conf import setting
from .models import Assignment, AuditEntry, Delivery, Reminder

log = logging.getLogger(__name__)

REMINDER_BATCH = 2000
SUPERSEDED = "superseded by a later reminder that was due at the same time"


def run(now):
    """One tick at ``now``; returns counts of what it did."""
    counts = {
        "cycles_started": 0,
        "marked_overdue": 0,
        "reminders_claimed": 0,
        "reminders_skipped": 0,
        "deliveries_retried": 0,
        "send_tasks": 0,
    }
    if not setting("ENABLED"):
        return counts
    counts["cycles_started"] = start_due_cycles(now)
    counts["marked_overdue"] = mark_overdue(now)
    claimed, skipped = claim_due_reminders(now)
    counts["reminders_claimed"] = len(claimed)
    counts["reminders_skipped"] = skipped
    retried = delivery.expired_claims(now)
    counts["deliveries_retried"] = len(retried)
    counts["send_tasks"] = dispatch(claimed + retried)
    log.info("mandatory_assignments tick at %s: %s", now.isoformat(), counts)
    return counts


def dispatch(delivery_ids):
    """
    Hand the claimed deliveries to Celery in chunks. The claims are committed by now (each batch is its
    own transaction); should a caller run the tick inside a transaction of its own, a worker that cannot
    see a row yet simply skips it and the lease brings it back to a later tick.
    """
    from . import tasks  # pylint: disable=import-outside-toplevel

    size = setting("SEND_CHUNK_SIZE")
    chunks = [delivery_ids[start : start + size] for start in range(0, len(delivery_ids), size)]
    for chunk in chunks:
        tasks.send_deliveries.delay(chunk)
    return len(chunks)


# New cycles ---------------------------------------------------------------------------------------


def start_due_cycles(now):
    due = list(Assignment.objects.filter(next_cycle_at__lte=now).values_list("pk", flat=True))
    started = []
    for assignment_id in due:
        if start_cycle(assignment_id, now):
            started.append(assignment_id)
    notifications.new_cycle(started)
    return len(started)


def start_cycle(assignment_id, now):
    """Reset a completed repeating assignment for its next cycle; False when another tick did it."""
    with transaction.atomic():
        assignment = (
            Assignment.objects.select_for_update()
            .select_related("user", "assigned_by")
            .filter(pk=assignment_id, next_cycle_at__lte=now)
            .first()
        )
        if assignment is None:
            return False
        tz = api.user_time_zone(assignment.user)
        previous = {"cycle": assignment.cycle, "due_date": assignment.due_date.isoformat()}
        assignment.cycle += 1
        assignment.due_date = assignment.next_due_date
        assignment.deadline = rules.deadline_for(assignment.due_date, tz)
        assignment.cycle_started_at = assignment.next_cycle_at
        assignment.completed_at = None
        assignment.progressed_at = None
        assignment.completion_evidence = ""
        assignment.next_due_date = None
        assignment.next_cycle_at = None
        assignment.recorded_status = rules.ASSIGNED
        assignment.save()
        api.reschedule_reminders(assignment, tz, now)
        api.audit_entry(
            assignment,
            AuditEntry.CYCLE_STARTED,
            changes={"previous": previous, "cycle": assignment.cycle, "due_date": assignment.due_date.isoformat()},
        ).save()
        target = targets.resolve(assignment.target_key)
        if target is not None:
            try:
                with transaction.atomic():
                    api.enroll_for_cycle(assignment.user, target)
            except api.AssignmentError as exc:
                log.warning("Re-enrollment for assignment %s failed: %s", assignment.pk, exc.message)
            _request_resets(assignment, target)
    return True


def _request_resets(assignment, target):
    reset_by = assignment.assigned_by or assignment.user
    for course_key in target.course_keys:
        queued, reason = compat.request_course_reset(assignment.user, CourseKey.from_string(course_key), reset_by)
        api.audit_entry(
            assignment,
            AuditEntry.CYCLE_STARTED,
            changes={"course_reset": course_key, "queued": queued, "reason": reason},
        ).save()


# Overdue ------------------------------------------------------------------------------------------


def mark_overdue(now):
    """
    Record the overdue status (with an audit entry) of assignments whose deadline passed. Rows another
    tick is marking at the same moment are locked and skipped, so each change is logged once.
    """
    with transaction.atomic():
        rows = list(
            Assignment.objects.select_for_update(skip_locked=_skip_locked_supported())
            .filter(completed_at__isnull=True, deadline__lte=now)
            .exclude(recorded_status=rules.OVERDUE)
            .only("pk", "user_id", "target_key", "recorded_status", "cycle")
        )
        if not rows:
            return 0
        AuditEntry.objects.bulk_create(
            [
                api.audit_entry(
                    row,
                    AuditEntry.STATUS_CHANGED,
                    changes={"from": row.recorded_status, "to": rules.OVERDUE, "cycle": row.cycle},
                )
                for row in rows
            ]
        )
        Assignment.objects.filter(pk__in=[row.pk for row in rows]).update(recorded_status=rules.OVERDUE)
    return len(rows)


# Reminders ----------------------------------------------------------------------------------------


def claim_due_reminders(now):
    """
    Claim a delivery for every reminder whose moment has come, in batches; only the latest of several
    due reminders per assignment and recipient is sent, the others are recorded as skipped.
    """
    claimed, skipped = [], 0
    while True:
        with transaction.atomic():
            reminders, more = _lock_due_batch(now)
            if not reminders:
                break
            rows = _deliveries_for(reminders, now)
            claimed.extend(delivery.claim(rows, now))
            skipped += sum(1 for row in rows if row.state == Delivery.SKIPPED)
            Reminder.objects.filter(pk__in=[reminder.pk for reminder in reminders]).update(fire_at=None)
        if not more:
            break
    return claimed, skipped


def _lock_due_batch(now):
    """
    Lock a batch of due reminders (rows another tick holds are skipped) with all the due reminders of
    each assignment in it, so the catch-up rule sees them together; ``(reminders, more may be due)``.
    Only the reminder rows are locked: people and assignments are read afterwards, unlocked.
    """
    reminders = list(
        Reminder.objects.select_for_update(skip_locked=_skip_locked_supported())
        .filter(fire_at__lte=now)
        .order_by("assignment_id", "fire_at", "id")[:REMINDER_BATCH]
    )
    more = len(reminders) == REMINDER_BATCH
    if more:
        # The last assignment's due reminders may continue past the batch: leave it to the next one.
        head = [reminder for reminder in reminders if reminder.assignment_id != reminders[-1].assignment_id]
        reminders = head or reminders
    assignments = Assignment.objects.select_related("user", "assigned_by").in_bulk(
        {reminder.assignment_id for reminder in reminders}
    )
    for reminder in reminders:
        reminder.assignment = assignments[reminder.assignment_id]
    return reminders, more


def _skip_locked_supported():
    from django.db import connection  # pylint: disable=import-outside-toplevel

    return connection.features.has_select_for_update_skip_locked


def _deliveries_for(reminders, now):
    groups = defaultdict(list)
    for reminder in reminders:
        groups[(reminder.assignment_id, reminder.recipient)].append(reminder)
    managers_cache = {}
    rows = []
    for (_assignment_id, recipient_kind), group in groups.items():
        latest_moment = max(reminder.fire_at for reminder in group)
        for reminder in group:
            assignment = reminder.assignment
            reason = _reason_not_due(assignment, reminder, now)
            if reason is None and reminder.fire_at < latest_moment:
                reason = SUPERSEDED
            for user in _recipients(assignment, recipient_kind, managers_cache) or [None]:
                rows.append(
                    Delivery(
                        assignment=assignment,
                        message="overdue" if reminder.days < 0 else "reminder",
                        cycle=assignment.cycle,
                        reminder_days=reminder.days,
                        recipient_kind=recipient_kind,
                        recipient=user,
                        due_date=assignment.due_date,
                        state=Delivery.SKIPPED if reason or user is None else Delivery.PENDING,
                        reason=reason or ("" if user is not None else _no_recipient_reason(recipient_kind)),
                        email="",
                    )
                )
    return rows


def _reason_not_due(assignment, reminder, now):
    if assignment.completed_at is not None:
        return "the assignment is completed"
    if reminder.days < 0 and now < assignment.deadline:
        return "not overdue"
    return None


def _recipients(assignment, kind, managers_cache):
    if kind == "student":
        return [assignment.user] if assignment.user.is_active else []
    if kind == "assigned_by":
        user = assignment.assigned_by
        return [user] if user is not None and user.is_active else []
    if assignment.user_id not in managers_cache:
        managers_cache[assignment.user_id] = api.get_managers(assignment.user)
    return managers_cache[assignment.user_id]


def _no_recipient_reason(kind):
    return {
        "student": "the person's account is not active",
        "assigned_by": "no active assigning person",
        "managers": "the person has no managers",
    }[kind]
