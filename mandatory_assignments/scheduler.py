"""
The tick: starts new cycles, marks assignments overdue, and claims the reminders that are due.

Claimed deliveries are sent by Celery tasks over chunks of ids after the claim has committed.
"""

import logging
from collections import defaultdict

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop
from opaque_keys.edx.keys import CourseKey

from . import compat, delivery, notifications, outbox, rules, targets
from .audit import audit_entry
from .conf import setting
from .enrollment import enroll
from .errors import AssignmentError
from .managers import get_managers
from .models import Assignment, AuditEntry, Delivery, Reminder
from .zones import user_time_zone

log = logging.getLogger(__name__)

REMINDER_BATCH = 2000
OVERDUE_BATCH = 1000
SEND_TASK = "mandatory_assignments.tasks.send_deliveries"
SUPERSEDED = gettext_noop("superseded by a later reminder that was due at the same time")


def run_scheduler(now=None):
    """
    One tick at ``now`` (default: the current moment): start due cycles, mark assignments overdue, claim
    and send due reminders, retry deliveries whose lease ran out. Returns counts of what it did.
    """
    now = now or timezone.now()
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
    counts["send_tasks"] = dispatch(claimed + retried, now)
    # An idle tick (every few minutes, all day) logs at DEBUG; one that did something at INFO.
    log.log(logging.INFO if any(counts.values()) else logging.DEBUG,
            "mandatory_assignments tick at %s: %s", now.isoformat(), counts)
    return counts


def dispatch(delivery_ids, now):
    """
    Hand the claimed deliveries to Celery in chunks, to be decided as of ``now``. The claims are committed
    by now (each batch is its own transaction); should a caller run the tick inside a transaction of its
    own, a worker that cannot see a row yet simply skips it and the lease brings it back to a later tick.
    """
    size = setting("SEND_CHUNK_SIZE")
    chunks = [delivery_ids[start : start + size] for start in range(0, len(delivery_ids), size)]
    for chunk in chunks:
        outbox.run_later(SEND_TASK, chunk, now.isoformat())
    return len(chunks)


# New cycles ---------------------------------------------------------------------------------------


def start_due_cycles(now):
    due = list(Assignment.objects.filter(next_cycle_at__lte=now).values_list("pk", flat=True))
    return sum(1 for assignment_id in due if start_cycle(assignment_id, now))


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
        tz = user_time_zone(assignment.user)
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
        _schedule_cycle_reminders(assignment, tz, now)
        audit_entry(
            assignment,
            AuditEntry.CYCLE_STARTED,
            changes={"previous": previous, "cycle": assignment.cycle, "due_date": assignment.due_date.isoformat()},
        ).save()
        target = targets.resolve(assignment.target_key)
        if target is not None:
            try:
                with transaction.atomic():
                    enroll(assignment.user, target)
            except AssignmentError as exc:
                log.warning("Re-enrollment for assignment %s failed: %s", assignment.pk, exc.message)
            _request_resets(assignment, target)
        notifications.new_cycle([assignment.pk])
    return True


def _schedule_cycle_reminders(assignment, tz, now):
    """
    The reminders of a new cycle. A cycle started late (the tick was down) still sends what fell due
    since the cycle's start — the claim that follows in this tick keeps only the latest of them.
    """
    for row in assignment.reminder_rows.all():
        moment = rules.reminder_moment(assignment.due_date, row.days, tz)
        fire_at = moment if moment > now or moment >= assignment.cycle_started_at else None
        if fire_at != row.fire_at:
            row.fire_at = fire_at
            row.save(update_fields=["fire_at"])


def _request_resets(assignment, target):
    reset_by = assignment.assigned_by or assignment.user
    for course_key in target.course_keys:
        queued, reason = compat.request_course_reset(assignment.user, CourseKey.from_string(course_key), reset_by)
        audit_entry(
            assignment,
            AuditEntry.CYCLE_STARTED,
            changes={"course_reset": course_key, "queued": queued, "reason": reason},
        ).save()


# Overdue ------------------------------------------------------------------------------------------


def mark_overdue(now):
    """
    Record the overdue status (with an audit entry) of open assignments whose deadline passed, in chunks.
    Only rows still recorded as assigned or in progress are read (index on recorded status and deadline),
    so the cost follows the open assignments, not the history. Rows another tick is marking at the same
    moment are locked and skipped, so each change is logged once.
    """
    marked = 0
    while True:
        with transaction.atomic():
            rows = list(
                Assignment.objects.select_for_update(skip_locked=_skip_locked_supported())
                .filter(
                    recorded_status__in=(rules.ASSIGNED, rules.IN_PROGRESS),
                    deadline__lte=now,
                    completed_at__isnull=True,
                )
                .order_by("recorded_status", "deadline")
                .only("pk", "user_id", "target_key", "recorded_status", "cycle")[:OVERDUE_BATCH]
            )
            if not rows:
                return marked
            AuditEntry.objects.bulk_create(
                [
                    audit_entry(
                        row,
                        AuditEntry.STATUS_CHANGED,
                        changes={"from": row.recorded_status, "to": rules.OVERDUE, "cycle": row.cycle},
                    )
                    for row in rows
                ]
            )
            Assignment.objects.filter(pk__in=[row.pk for row in rows]).update(recorded_status=rules.OVERDUE)
        marked += len(rows)
        if len(rows) < OVERDUE_BATCH:
            return marked


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
                        user_id=assignment.user_id,
                        target_key=assignment.target_key,
                        target_type=assignment.target_type,
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
        return gettext_noop("the assignment is completed")
    return rules.reminder_out_of_time(reminder.days < 0, now, assignment.deadline)


def _recipients(assignment, kind, managers_cache):
    if kind == "student":
        return [assignment.user] if assignment.user.is_active else []
    if kind == "assigned_by":
        user = assignment.assigned_by
        return [user] if user is not None and user.is_active else []
    if assignment.user_id not in managers_cache:
        managers_cache[assignment.user_id] = get_managers(assignment.user)
    return managers_cache[assignment.user_id]


def _no_recipient_reason(kind):
    return {
        "student": gettext_noop("the person's account is not active"),
        "assigned_by": gettext_noop("no active assigning person"),
        "managers": gettext_noop("the person has no managers"),
    }[kind]
