"""
Reading assignments: statuses as filters, what a caller may see, a person search, an assignment's history.

Pages and endpoints always pass ``by`` (the person asking); what they get is what ``by`` may see:
their own assignments and those of the people they manage (built-in manager relation, read-only),
those of targets they manage (course staff of the course; global staff every
course and learning path), and — with company scoping — only people of their company (superusers
reach every company).
"""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import access, compat, rules, targets
from .managers import reports_of
from .models import Assignment, AuditEntry, CompletedCycle, Delivery, EmailTemplate


def status_q(statuses, now=None):
    """A filter for assignments whose status, computed at ``now``, is one of ``statuses``."""
    now = now or timezone.now()
    conditions = {
        rules.COMPLETED: Q(completed_at__isnull=False),
        rules.OVERDUE: Q(completed_at__isnull=True, deadline__lte=now),
        rules.IN_PROGRESS: Q(completed_at__isnull=True, deadline__gt=now, progressed_at__isnull=False),
        rules.ASSIGNED: Q(completed_at__isnull=True, deadline__gt=now, progressed_at__isnull=True),
    }
    wanted = set(statuses)
    for status in wanted - set(conditions):
        raise KeyError(status)
    # The same conditions, merged where they add up to a simpler one (the deadline is never empty): the
    # open statuses together are "not completed", assigned and in progress together are "before the
    # deadline". A database uses an index for one condition where it scans for an OR of three.
    merged = []
    if rules.COMPLETED in wanted:
        merged.append(conditions[rules.COMPLETED])
    open_wanted = wanted & {rules.ASSIGNED, rules.IN_PROGRESS, rules.OVERDUE}
    if open_wanted == {rules.ASSIGNED, rules.IN_PROGRESS, rules.OVERDUE}:
        merged.append(Q(completed_at__isnull=True))
    elif open_wanted == {rules.ASSIGNED, rules.IN_PROGRESS}:
        merged.append(Q(completed_at__isnull=True, deadline__gt=now))
    else:
        merged.extend(conditions[status] for status in sorted(open_wanted))
    combined = Q(pk__in=[])
    for condition in merged:
        combined |= condition
    return combined


def can_manage(by, target):
    """Whether ``by`` may assign, edit and withdraw assignments of ``target`` (a key or key string)."""
    return access.can_manage_target(by, targets.resolve(target))


def manages_person(by, user):
    """Whether ``by`` is a manager of ``user`` in the built-in relation (they read that person's pages)."""
    return access.is_active_user(by) and reports_of(by).filter(user_id=user.pk).exists()


def may_open_course_page(by, course_key):
    """The staff page of a course: its staff, and with company scoping only for a course of their company."""
    target = targets.resolve(course_key)
    if target is None or target.type != "course" or not access.can_manage_target(by, target):
        return False
    if access.scoped() and not access.unrestricted(by):
        return access.target_in_company(target, access.company_of(by))
    return True


def can_view_overview(by):
    """The organisation-wide overview (every target, learning paths too) is for global staff."""
    return access.is_global_staff(by) or (access.is_active_user(by) and by.is_superuser)


def visibility_q(by, target=None):
    """
    A filter for the assignments ``by`` may see (see the module's docstring); for one ``target`` when
    given. Fails closed: an inactive or anonymous caller sees nothing.
    """
    if not access.is_active_user(by):
        return Q(pk__in=[])
    overview = can_view_overview(by)
    if overview and (not access.scoped() or access.unrestricted(by)):
        # Everything (``access.people_filter`` is None): no condition at all, so that the database can use
        # the list's own indexes — a condition that is always true, OR-ed with the caller's own rows, made
        # every list and count a full scan of the table.
        return Q()
    # Their own, and those of the people they manage (the built-in relation): managers' emails link here.
    own = Q(user=by) | Q(user_id__in=reports_of(by))
    if overview:
        # Every target of their company. Not ``Q()``: an empty Q drops out of ``own | Q()``.
        managed = Q(pk__isnull=False)
    elif target is not None and can_manage(by, target):
        managed = Q(target_key=str(target))
    else:
        return own
    company = access.people_filter(by, field="user_id")
    return own | (managed & company) if company is not None else own | managed


def get_assignments(*, user=None, target=None, statuses=None, by=None):
    """
    Assignments, optionally of one person, one target and some statuses (``None``: every status); with
    ``by``, only those ``by`` may see.
    """
    rows = Assignment.objects.select_related("user", "assigned_by").prefetch_related("reminder_rows")
    if by is not None:
        rows = rows.filter(visibility_q(by, target))
    if user is not None:
        rows = rows.filter(user=user)
    if target is not None:
        rows = rows.filter(target_key=str(target))
    if statuses is not None:
        if isinstance(statuses, str):
            statuses = [statuses]
        unknown = set(statuses) - set(rules.STATUSES)
        if unknown:
            raise ValueError(f"unknown statuses: {sorted(unknown)}")
        rows = rows.filter(status_q(statuses))
    return rows


def get_assignment(assignment_id, *, by):
    """The assignment, or ``None`` when there is none or ``by`` may not see it (a 404 either way)."""
    try:
        assignment_id = int(assignment_id)
    except (TypeError, ValueError):
        return None
    base = Assignment.objects.select_related("user", "assigned_by").filter(pk=assignment_id)
    found = base.first()
    if found is None:
        return None
    return base.filter(visibility_q(by, found.target_key)).first()


def may_search_people(by, target=None):
    """Global staff may search everyone (of their company); course staff while assigning their course."""
    return can_view_overview(by) or (target is not None and can_manage(by, target))


def search_people(*, by, q, target=None, limit=20):
    """
    Active people whose username, email or full name contains ``q``, within ``by``'s company, for the
    people autocomplete of staff (see :func:`may_search_people`; anyone else finds nobody).
    """
    q = (q or "").strip()
    if not q or not may_search_people(by, target):
        return []
    rows = get_user_model().objects.filter(is_active=True).filter(
        Q(username__icontains=q) | Q(email__icontains=q) | Q(pk__in=compat.user_ids_with_name_containing(q))
    )
    company = access.people_filter(by)
    if company is not None:
        rows = rows.filter(company)
    return list(rows.order_by("username")[:limit])


def history_of(assignment):
    """What happened to an assignment: its completed cycles, every email (sent or skipped) and the audit log."""
    return {
        "cycles": list(CompletedCycle.objects.filter(assignment=assignment).order_by("cycle")),
        "deliveries": list(
            Delivery.objects.filter(assignment=assignment).select_related("recipient").order_by("created", "id")
        ),
        "audit": list(AuditEntry.objects.filter(assignment_id=assignment.pk).select_related("actor")),
    }


def find_person(value, *, by):
    """
    The active person named by ``value`` (username, or email in any case) whom ``by`` may assign, or
    ``None``. A person of another company is not found: their existence is not revealed.
    """
    value = (value or "").strip()
    if not value or not access.is_active_user(by):
        return None
    condition = Q(username=value)
    if "@" in value:
        condition |= Q(email__iexact=value)
    candidates = list(get_user_model().objects.filter(condition, is_active=True).order_by("pk")[:2])
    # A username match wins over an email match.
    person = next((user for user in candidates if user.username == value), candidates[0] if candidates else None)
    if person is None:
        return None
    if access.scoped() and not access.unrestricted(by):
        companies = access.companies_of([by.pk, person.pk])
        if companies[by.pk] != companies[person.pk]:
            return None
    return person


def target_choices(by):
    """
    ``[(group label, [(key, name), ...])]``: the courses and learning paths ``by`` may assign on the
    organisation-wide pages (global staff); with company scoping, the courses of the company's orgs.
    """
    if not can_view_overview(by):
        return []
    orgs = None
    if access.scoped() and not access.unrestricted(by):
        orgs = compat.get_site_course_orgs(access.company_of(by)) or None
    courses = [(key, name) for key, name, _org in compat.list_courses(orgs=orgs)]
    return [(_("Courses"), courses), (_("Learning paths"), targets.list_learning_paths())]


def email_template_names():
    """The names of the custom email templates a reminder may use."""
    return list(EmailTemplate.objects.order_by("name").values_list("name", flat=True))
