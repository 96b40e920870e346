"""
What the staff pages (and the instructor-dashboard filter steps) ask of the core: permissions, the rows a
person may see, an assignment's history, people and targets to choose from.

Every function prefers ``mandatory_assignments.api``. TODO(lead): the split (COORDINATION.md) adds
``api.get_assignments(by=)``, ``api.get_assignment``, ``api.can_manage``, ``api.can_view_overview`` and
``api.history_of``; until they exist the fallbacks below apply the same rules through ``access`` and
``targets``. Once "SPLIT MERGED", each fallback can go and the function becomes one call to ``api``.
Everything fails closed: an unknown target, an anonymous or inactive caller gets nothing.
"""

import inspect

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext as _

from .. import access, api, compat, targets
from ..models import AuditEntry, CompletedCycle, Delivery, EmailTemplate


def _active(user):
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def _api_has(name, parameter=None):
    function = getattr(api, name, None)
    if function is None:
        return False
    return parameter is None or parameter in inspect.signature(function).parameters


# Permissions --------------------------------------------------------------------------------------


def can_view_overview(user):
    """Global staff (and superusers): the organisation-wide pages."""
    if not _active(user):
        return False
    if _api_has("can_view_overview"):
        return bool(api.can_view_overview(user))
    # TODO(lead): api.can_view_overview
    return bool(user.is_superuser or compat.is_global_staff(user))


def can_manage(user, target_key):
    """Whether ``user`` may assign ``target_key`` (course staff of the course; global staff for everything)."""
    if not _active(user) or not target_key:
        return False
    if _api_has("can_manage"):
        return bool(api.can_manage(user, target_key))
    # TODO(lead): api.can_manage
    target = targets.resolve(target_key)
    return target is not None and access.can_manage_target(user, target)


def resolve_target(target_key):
    """The :class:`~mandatory_assignments.data.Target` of a key, or ``None``."""
    return targets.resolve(target_key)


# Rows a person may see ----------------------------------------------------------------------------


def _company_filter(rows, by):
    visible = access.visible_user_ids_filter(by)
    return rows if visible is None else rows.filter(user_id__in=visible)


def visible_assignments(by, *, target=None, statuses=None):
    """The assignments ``by`` may see (of ``target`` when given), as ``api.get_assignments(by=)`` defines."""
    if not _active(by):
        return api.get_assignments().none()
    if _api_has("get_assignments", "by"):
        return api.get_assignments(by=by, target=target, statuses=statuses)
    # TODO(lead): api.get_assignments(by=...)
    rows = api.get_assignments(target=target, statuses=statuses)
    if target is not None:
        allowed = can_manage(by, target)
    else:
        allowed = can_view_overview(by)
    if not allowed:
        return rows.filter(user=by)
    return _company_filter(rows, by)


def get_assignment(assignment_id, *, by):
    """The assignment, or ``None`` when it does not exist or ``by`` may not see it."""
    if not _active(by):
        return None
    if _api_has("get_assignment"):
        return api.get_assignment(assignment_id, by=by)
    # TODO(lead): api.get_assignment
    row = api.get_assignments().filter(pk=assignment_id).first()
    if row is None:
        return None
    if row.user_id == by.pk:
        return row
    if not (can_manage(by, row.target_key) and _company_filter(type(row).objects.filter(pk=row.pk), by).exists()):
        return None
    return row


def get_manageable_assignment(assignment_id, *, by):
    """The assignment when ``by`` may see it and manage its target (the staff pages); else ``None``."""
    row = get_assignment(assignment_id, by=by)
    if row is None or not can_manage(by, row.target_key):
        return None
    return row


def history_of(assignment):
    """``{"cycles": [...], "deliveries": [...], "audit": [...]}`` of the assignment, oldest first."""
    if _api_has("history_of"):
        return api.history_of(assignment)
    # TODO(lead): api.history_of
    return {
        "cycles": list(CompletedCycle.objects.filter(assignment_id=assignment.pk).order_by("cycle", "id")),
        "deliveries": list(
            Delivery.objects.filter(assignment_id=assignment.pk).select_related("recipient").order_by("created", "id")
        ),
        "audit": list(
            AuditEntry.objects.filter(assignment_id=assignment.pk).select_related("actor").order_by("created", "id")
        ),
    }


# People and targets to choose from ----------------------------------------------------------------


def find_person(value, *, by):
    """
    The active person named by ``value`` (username, or email in any case) whom ``by`` may assign, or
    ``None``. A person of another company is not found: their existence is not revealed.
    """
    value = (value or "").strip()
    if not value or not _active(by):
        return None
    User = get_user_model()
    condition = Q(username=value)
    if "@" in value:
        condition |= Q(email__iexact=value)
    candidates = list(User.objects.filter(condition, is_active=True).order_by("pk")[:2])
    # A username match wins over an email match.
    person = next((user for user in candidates if user.username == value), candidates[0] if candidates else None)
    if person is None:
        return None
    if access.scoped() and not access.unrestricted(by):
        companies = access.companies_of([by.pk, person.pk])
        if not access.same_company(companies.get(by.pk), companies.get(person.pk)):
            return None
    return person


def display_names(user_ids):
    """``{user_id: the person's name}`` from their profiles (empty names left out)."""
    return {user_id: name for user_id, name in compat.get_profile_names(user_ids).items() if name}


def target_choices(by):
    """
    ``[(group label, [(key, name), ...])]``: the courses and learning paths ``by`` may assign, for the
    organisation-wide pages (global staff). Scoped to ``by``'s company's orgs when scoping is on.
    """
    if not can_view_overview(by):
        return []
    orgs = None
    if access.scoped() and not access.unrestricted(by):
        company = access.company_of(by)
        orgs = compat.get_site_course_orgs(company) if company else None
    courses = [(key, name) for key, name, _org in compat.list_courses(orgs=orgs)]
    paths = []
    if targets.learning_paths_installed():
        from learning_paths.models import LearningPath  # pylint: disable=import-outside-toplevel

        paths = [
            (str(key), name or str(key))
            for key, name in LearningPath.objects.order_by("display_name").values_list("key", "display_name")
        ]
    return [(_("Courses"), courses), (_("Learning paths"), paths)]


def email_template_names():
    """The names of the custom email templates a reminder may use."""
    # TODO(lead): an api function listing the custom templates (the admin keeps them).
    return list(EmailTemplate.objects.order_by("name").values_list("name", flat=True))
