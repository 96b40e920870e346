"""
The audit log: who did what to an assignment, and every status change, written once each.
"""

from django.utils import timezone

from . import rules
from .models import Assignment, AuditEntry


def audit_entry(assignment, action, actor=None, changes=None):
    """An unsaved audit entry about ``assignment`` (kept after the assignment is withdrawn)."""
    return AuditEntry(
        assignment_id=assignment.pk,
        user_id=assignment.user_id,
        target_key=assignment.target_key,
        actor=actor,
        action=action,
        changes=changes or {},
    )


def record_status(assignment, actor=None, now=None):
    """Write an audit entry when the assignment's status differs from the last one recorded."""
    status = rules.compute_status(
        completed_at=assignment.completed_at,
        progressed_at=assignment.progressed_at,
        deadline=assignment.deadline,
        now=now or timezone.now(),
    )
    if status == assignment.recorded_status:
        return False
    audit_entry(
        assignment,
        AuditEntry.STATUS_CHANGED,
        actor,
        {"from": assignment.recorded_status, "to": status, "cycle": assignment.cycle},
    ).save()
    assignment.recorded_status = status
    Assignment.objects.filter(pk=assignment.pk).update(recorded_status=status)
    return True
