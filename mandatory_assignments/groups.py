"""
Groups to assign at once: the course's cohorts and teams ("learning groups") and the organisation's
departments, each with its size; and the people a selection of groups and names stands for.

Who may look: course staff of the course (its cohorts and teams, and the departments while assigning
it); global staff (departments, and every course's groups). With company scoping, sizes and people
count only the caller's company.
"""

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.utils.translation import gettext as _
from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import CourseKey

from . import access, compat
from .bulk import resolve_people
from .errors import AssignmentError
from .models import DepartmentMembership
from .reading import can_manage, can_view_overview


def _check_may_list(by, course_key):
    if course_key is None:
        allowed = can_view_overview(by)
    else:
        allowed = can_manage(by, course_key)
    if not allowed:
        raise AssignmentError("not_allowed", _("You may not see these groups."))


def _course_key(course_key):
    if course_key is None:
        return None
    try:
        return CourseKey.from_string(str(course_key))
    except InvalidKeyError:
        raise AssignmentError(
            "unknown_target", _("There is no course {key}.").format(key=course_key), "course_id"
        ) from None


def departments(*, by=None):
    """``{department name: [user ids]}`` within ``by``'s company (every department when ``by`` is None)."""
    rows = DepartmentMembership.objects.all()
    scope = access.people_filter(by, field="user_id") if by is not None else None
    if scope is not None:
        rows = rows.filter(scope)
    result = {}
    for name, user_id in rows.order_by("name", "user_id").values_list("name", "user_id").iterator(chunk_size=2000):
        result.setdefault(name, []).append(user_id)
    return result


def department_sizes(by):
    """``[(name, size)]`` of the departments in ``by``'s company, in one query."""
    rows = DepartmentMembership.objects.all()
    scope = access.people_filter(by, field="user_id")
    if scope is not None:
        rows = rows.filter(scope)
    return list(rows.values("name").annotate(size=Count("id")).order_by("name").values_list("name", "size"))


def list_groups(*, by, course_key=None):
    """
    The cohorts and teams of a course and the departments, each ``{id, name, size}``, for ``by``: one
    query per kind of group, whatever the number of groups and members.
    """
    key = _course_key(course_key)
    _check_may_list(by, key)
    members = access.people_filter(by, field="users")
    groups = {"cohorts": [], "teams": [], "departments": []}
    if key is not None:
        groups["cohorts"] = [
            {"id": cohort_id, "name": name, "size": size} for cohort_id, name, size in compat.cohort_sizes(key, members)
        ]
        groups["teams"] = [
            {"id": team_id, "name": name, "size": size} for team_id, name, size in compat.team_sizes(key, members)
        ]
    groups["departments"] = [{"id": name, "name": name, "size": size} for name, size in department_sizes(by)]
    return groups


def people_in(*, by, course_key=None, users=(), cohorts=(), teams=(), departments_=()):
    """
    The people named individually or through groups, each once, in the order first named, and the values
    that name nobody (``(value, reason)``). People outside ``by``'s company are left out.
    """
    key = _course_key(course_key)
    if cohorts or teams:
        _check_may_list(by, key)
    invalid = []
    ids = []
    for cohort_id in cohorts:
        members = compat.get_cohort_member_ids(key, cohort_id) if key is not None else None
        if members is None:
            invalid.append((cohort_id, _("No cohort {value} in this course.").format(value=cohort_id)))
        else:
            ids.extend(members)
    for team_id in teams:
        members = compat.get_team_member_ids(key, team_id) if key is not None else None
        if members is None:
            invalid.append((team_id, _("No team {value} in this course.").format(value=team_id)))
        else:
            ids.extend(members)
    by_department = departments(by=by) if departments_ else {}
    for name in departments_:
        if name not in by_department:
            invalid.append((name, _("No department {value}.").format(value=name)))
        else:
            ids.extend(by_department[name])
    named, unknown = resolve_people(list(users))
    invalid.extend(unknown)
    candidates = {user.pk for user in named} | set(ids)
    scope = access.people_filter(by)
    User = get_user_model()
    visible = (
        candidates if scope is None else set(User.objects.filter(scope, pk__in=candidates).values_list("pk", flat=True))
    )
    from_groups = User.objects.in_bulk(ids)
    people, seen = [], set()
    for user in named + [from_groups[user_id] for user_id in ids if user_id in from_groups]:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        if user.pk not in visible:
            invalid.append((user.username, _("This person belongs to another company.")))
            continue
        people.append(user)
    return people, invalid
