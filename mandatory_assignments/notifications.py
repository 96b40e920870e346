"""
The notices around an assignment's lifecycle — assigned, new cycle, withdrawn — recorded as deliveries
in the transaction that causes them and sent by a Celery task after it commits.

Recording them at once keeps them in order and in the records: an assignment withdrawn before its
"assigned" email went out still tells the person first that it was assigned, then that it was withdrawn
(the rows carry the person, target, due date and note, so they do not need the assignment row). Celery
receives delivery ids only. With the feature switch (``MANDATORY_ASSIGNMENTS_ENABLED``) off, nothing is
recorded or sent.
"""

from django.utils import timezone

from . import delivery, messages, outbox
from .conf import setting
from .models import Assignment, Delivery

SEND_TASK = "mandatory_assignments.tasks.send_deliveries"


def _notice(assignment, message, state=Delivery.PENDING):
    return Delivery(
        assignment=assignment,
        user_id=assignment.user_id,
        target_key=assignment.target_key,
        target_type=assignment.target_type,
        note=assignment.note,
        message=message,
        cycle=assignment.cycle,
        reminder_days=0,
        recipient_kind="student",
        recipient_id=assignment.user_id,
        due_date=assignment.due_date,
        state=state,
    )


def _record_and_queue(rows):
    if not rows or not setting("ENABLED"):
        return []
    ids = delivery.claim(rows, timezone.now())
    for start in range(0, len(ids), setting("SEND_CHUNK_SIZE")):
        outbox.queue(SEND_TASK, ids[start : start + setting("SEND_CHUNK_SIZE")])
    return ids


def assigned(assignments):
    """Record and queue the "assigned" notice of each new assignment (saved rows)."""
    return _record_and_queue([_notice(assignment, messages.ASSIGNED) for assignment in assignments])


def new_cycle(assignment_ids):
    """Record and queue the "new cycle" notice of these assignments (their new cycle has started)."""
    rows = Assignment.objects.filter(pk__in=list(assignment_ids))
    return _record_and_queue([_notice(assignment, messages.NEW_CYCLE) for assignment in rows])


def withdrawn(assignment):
    """
    Record the "withdrawn" notice before the assignment row is deleted, and queue it after any notice of
    the assignment still waiting to go out (its "assigned" email), in one chunk sent in that order.
    """
    if not setting("ENABLED"):
        return []
    waiting = list(
        Delivery.objects.filter(
            assignment=assignment, state=Delivery.PENDING, message__in=messages.NOTICE_MESSAGES
        ).values_list("id", flat=True)
    )
    ids = delivery.claim([_notice(assignment, messages.WITHDRAWN)], timezone.now())
    if ids:
        outbox.queue(SEND_TASK, sorted(waiting) + ids)
    return ids
