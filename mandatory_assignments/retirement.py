"""
GDPR retirement (the platform's ``USER_RETIRE_LMS_MISC``): the person's personal data goes; completed
cycles stay, anonymised, for the organisation's records. Every assignment of the person closes — open
ones and recurring ones waiting for their next cycle — without any email to anyone. Idempotent and fast.
"""

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_noop

from .audit import audit_entry
from .models import (
    Assignment,
    AuditEntry,
    BulkJob,
    CourseEvidence,
    Delivery,
    DepartmentMembership,
    ManagerRelation,
)


def retire_user(user):
    """Remove the person's personal data and close their assignments, silently."""
    with transaction.atomic():
        rows = list(Assignment.objects.select_for_update().filter(user=user))
        AuditEntry.objects.bulk_create(
            [
                audit_entry(
                    row,
                    AuditEntry.RETIRED,
                    None,
                    {
                        "withdrawn": row.completed_at is None,
                        "recurrence_stopped": bool(row.repeat_weeks),
                        "cycle": row.cycle,
                    },
                )
                for row in rows
                if row.completed_at is None or row.repeat_weeks or row.next_cycle_at is not None
            ]
        )
        # Nothing may go out about this person any more: pending emails are dropped.
        Delivery.objects.filter(
            Q(user=user) | Q(recipient=user) | Q(assignment__user=user), state=Delivery.PENDING
        ).update(state=Delivery.SKIPPED, reason=gettext_noop("the person's account was retired"), lease_until=None)
        open_ids = [row.pk for row in rows if row.completed_at is None]
        Assignment.objects.filter(pk__in=open_ids).delete()
        # Completed assignments stay for the records, closed: no next cycle, no reminder, no note.
        Assignment.objects.filter(user=user).update(
            note="", next_cycle_at=None, next_due_date=None, repeat_weeks=None, is_open=None
        )
        for assignment in Assignment.objects.filter(user=user):
            assignment.reminder_rows.all().delete()
        AuditEntry.objects.filter(user=user).exclude(action=AuditEntry.RETIRED).exclude(changes={}).update(changes={})
        Delivery.objects.filter(Q(user=user) | Q(recipient=user) | Q(assignment__user=user)).exclude(
            email="", note=""
        ).update(email="", note="")
        ManagerRelation.objects.filter(Q(user=user) | Q(manager=user)).delete()
        CourseEvidence.objects.filter(user=user).delete()
        DepartmentMembership.objects.filter(user=user).delete()
        _forget_in_bulk_jobs(user)


def _forget_in_bulk_jobs(user):
    """Jobs still running keep their note: blank it where they include the person."""
    for job in BulkJob.objects.exclude(state="SUCCESS").exclude(params__note=""):
        if _names(job, user.pk):
            BulkJob.objects.filter(pk=job.pk).update(params={**job.params, "note": ""})


def _names(job, user_id):
    """Whether the job is about the person: to be assigned, listed as skipped or failed, or its requester."""
    params = job.params
    listed = [entry.get("id") for entry in params.get("skipped", []) + params.get("failed", [])]
    return user_id in params.get("user_ids", []) or user_id in listed or job.requested_by_id == user_id
