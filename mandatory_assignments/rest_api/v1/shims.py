"""
Stand-ins for the reading functions the lead is adding to ``mandatory_assignments.api`` (COORDINATION.md,
issue 6). Each has the announced signature and meaning, built on what exists today; once the split is
merged ("SPLIT MERGED"), the views call ``api.<name>`` and this module goes.

What ``by`` may see: their own assignments; those of targets they manage (course staff or instructors of
the course; global staff every course and learning path); with ``MANDATORY_ASSIGNMENTS_SCOPE = "site"``,
only people of their own company (superusers reach every company). Everything fails closed.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q

from ... import access, api, compat, targets
from ...models import BulkJob  # TODO(lead): only for get_bulk_job below


def _active(user):
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def _company_q(by, field):
    """``None`` when ``by`` sees every company, else a filter on the user id ``field`` keeping theirs."""
    visible = access.visible_user_ids_filter(by)
    return None if visible is None else Q(**{f"{field}__in": visible})


def can_view_overview(by):
    # TODO(lead): api.can_view_overview
    return _active(by) and (by.is_superuser or compat.is_global_staff(by))


def can_manage(by, target):
    # TODO(lead): api.can_manage
    resolved = targets.resolve(target)
    return resolved is not None and _active(by) and access.can_manage_target(by, resolved)


def _visibility_q(by, target=None):
    if not _active(by):
        return Q(pk__in=[])
    own = Q(user=by)
    company = _company_q(by, "user_id")
    if can_view_overview(by):
        # Not ``own | Q()``: Django drops an empty Q from an OR, which would leave only ``own``.
        return Q() if company is None else own | company
    if target is not None and can_manage(by, target):
        managed = Q(target_key=str(target))
        return own | (managed & company) if company is not None else own | managed
    return own


def get_assignments(*, by, user=None, target=None, statuses=None):
    # TODO(lead): api.get_assignments(by=...)
    rows = api.get_assignments(user=user, target=target, statuses=statuses)
    return rows.filter(_visibility_q(by, target))


def get_assignment(assignment_id, *, by):
    # TODO(lead): api.get_assignment
    base = api.get_assignments().filter(pk=assignment_id)
    target_key = base.values_list("target_key", flat=True).first()
    if target_key is None:
        return None
    return base.filter(_visibility_q(by, target_key)).first()


def may_search_people(by, target=None):
    # TODO(lead): api.may_search_people
    return can_view_overview(by) or (target is not None and can_manage(by, target))


def search_people(*, by, q, target=None, limit=20):
    # TODO(lead): api.search_people
    q = (q or "").strip()
    if not q or not may_search_people(by, target):
        return []
    rows = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(username__icontains=q) | Q(email__icontains=q) | Q(pk__in=compat.user_ids_with_name_containing(q)))
    )
    company = _company_q(by, "pk")
    if company is not None:
        rows = rows.filter(company)
    return list(rows.order_by("username")[:limit])


def get_bulk_job(task_id, *, by):
    # TODO(lead): api.get_bulk_job(task_id, by=...). Reads the job's requester, which api does not expose yet.
    job = BulkJob.objects.filter(task_id=str(task_id)).only("requested_by_id").first()
    if job is None or not _may_see_bulk_job(by, job.requested_by_id):
        return None
    return api.get_bulk_job(str(task_id))


def _may_see_bulk_job(by, requested_by_id):
    if not _active(by):
        return False
    if requested_by_id == by.pk or by.is_superuser:
        return True
    if not compat.is_global_staff(by) or requested_by_id is None:
        return False
    visible = access.visible_user_ids_filter(by)
    return visible is None or requested_by_id in visible
