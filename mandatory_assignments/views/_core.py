"""
What the staff pages (and the instructor-dashboard filter steps) ask of the core: permissions, the rows a
person may see, an assignment's history, people and targets to choose from — each one call to
``mandatory_assignments.api``. Everything fails closed: an unknown target, an anonymous or inactive
caller gets nothing.
"""

from .. import api, compat, targets


def _active(user):
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def can_view_overview(user):
    """Global staff (and superusers): the organisation-wide pages."""
    return _active(user) and bool(api.can_view_overview(user))


def can_manage(user, target_key):
    """Whether ``user`` may assign ``target_key`` (course staff of the course; global staff for everything)."""
    return _active(user) and bool(target_key) and bool(api.can_manage(user, target_key))


def resolve_target(target_key):
    """The :class:`~mandatory_assignments.data.Target` of a key, or ``None``."""
    return targets.resolve(target_key)


def visible_assignments(by, *, target=None, statuses=None):
    """The assignments ``by`` may see (of ``target`` when given)."""
    return api.get_assignments(by=by, target=target, statuses=statuses)


def get_assignment(assignment_id, *, by):
    """The assignment, or ``None`` when it does not exist or ``by`` may not see it."""
    return api.get_assignment(assignment_id, by=by) if _active(by) else None


def get_manageable_assignment(assignment_id, *, by):
    """The assignment when ``by`` may see it and manage its target (the staff pages); else ``None``."""
    row = get_assignment(assignment_id, by=by)
    if row is None or not can_manage(by, row.target_key):
        return None
    return row


def history_of(assignment):
    """``{"cycles": [...], "deliveries": [...], "audit": [...]}`` of the assignment, oldest first."""
    return api.history_of(assignment)


def find_person(value, *, by):
    """The active person named by ``value`` whom ``by`` may assign, or ``None`` (see ``api.find_person``)."""
    return api.find_person(value, by=by)


def display_names(user_ids):
    """``{user_id: the person's name}`` from their profiles (empty names left out)."""
    return {user_id: name for user_id, name in compat.get_profile_names(user_ids).items() if name}


def target_choices(by):
    """``[(group label, [(key, name), ...])]`` of what ``by`` may assign on the organisation pages."""
    return api.target_choices(by)


def email_template_names():
    """The names of the custom email templates a reminder may use."""
    return api.email_template_names()
