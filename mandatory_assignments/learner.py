"""
What a learner sees of their own assignments: the data of the "My mandatory assignments" page, of
``GET /api/mandatory_assignments/v1/me/assignments/``, of the calendar, and of the courseware banner.

Everything here returns plain, JSON-ready data (strings, numbers, booleans, lists and dicts), already
worded in the active language: the page renders it, the API returns it as it is.
"""

from django.conf import settings
from django.db.models import OuterRef, Q, Subquery
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import api, compat, due_dates, rules, targets
from .conf import setting
from .models import Assignment, CompletedCycle, CourseEvidence

BANNER_FIELDS = ("id", "target_key", "target_type", "due_date", "deadline", "note", "progressed_at", "cycle")


# Wording ------------------------------------------------------------------------------------------


def status_label(status):
    return str(dict(rules.STATUS_CHOICES).get(status, status))


def target_type_label(target_type):
    return _("Learning path") if target_type == "path" else _("Course")


def repetition_text(repeat_weeks):
    """ "Repeats every 52 weeks" (or ``""`` for an assignment that does not repeat)."""
    if not repeat_weeks:
        return ""
    return ngettext("Repeats every week", "Repeats every {count} weeks", repeat_weeks).format(count=repeat_weeks)


def _local_date_text(moment, tz):
    return formats.date_format(moment.astimezone(tz).date(), "DATE_FORMAT")


def _url(name, **kwargs):
    root = getattr(settings, "LMS_ROOT_URL", "").rstrip("/")
    return root + reverse(f"mandatory_assignments:{name}", kwargs=kwargs)


def my_page_url():
    """The absolute URL of the learner's "My mandatory assignments" page."""
    try:
        return _url("learner-my")
    except NoReverseMatch:  # the URL conf of a deployment without the pages
        return getattr(settings, "LMS_ROOT_URL", "").rstrip("/") + "/mandatory_assignments/my/"


# The courseware banner ----------------------------------------------------------------------------


def _paths_containing(course_key):
    """A subquery of the keys of the learning paths that include the course (``None`` without the plugin)."""
    if not targets.learning_paths_installed():
        return None
    from learning_paths.models import LearningPathStep  # pylint: disable=import-outside-toplevel

    return LearningPathStep.objects.filter(course_key=course_key).values("learning_path__key")


def _path_name(key_field="target_key"):
    if not targets.learning_paths_installed():
        return None
    from learning_paths.models import LearningPath  # pylint: disable=import-outside-toplevel

    return Subquery(LearningPath.objects.filter(key=OuterRef(key_field)).values("display_name")[:1])


def open_assignments_covering(user_id, course_key):
    """
    The person's open, not yet completed assignments of the course or of a learning path that includes
    it, as dicts (``BANNER_FIELDS``, ``path_name`` and ``time_zone``: the person's platform preference, a
    zone name or ``None``), in ONE query on the (user, target) index; most urgent first. The banner needs
    nothing else: the zone comes with the rows, so the block's user service (which reads the profile and
    the preferences in the LMS) is not asked for it.
    """
    course_key = str(course_key)
    covering = Q(target_key=course_key)
    paths = _paths_containing(course_key)
    if paths is not None:
        covering |= Q(target_type="path", target_key__in=paths)
    rows = Assignment.objects.filter(covering, user_id=user_id, is_open=True, completed_at__isnull=True)
    rows = rows.annotate(time_zone=compat.preference_subquery(compat.TIME_ZONE_PREFERENCE))
    fields = (*BANNER_FIELDS, "time_zone")
    path_name = _path_name()
    if path_name is not None:
        rows = rows.annotate(path_name=path_name)
        fields = (*fields, "path_name")
    found = list(rows.order_by("deadline", "id").values(*fields))
    now = timezone.now()
    for row in found:
        row.setdefault("path_name", None)
        row["status"] = rules.compute_status(
            completed_at=None, progressed_at=row["progressed_at"], deadline=row["deadline"], now=now
        )
    found.sort(key=lambda row: (row["status"] != rules.OVERDUE, row["due_date"], row["id"]))
    return found


# The learner's page and API -------------------------------------------------------------------------


def _targets_of(keys):
    """``{key: Target or None}``."""
    return {key: targets.resolve(key) for key in keys}


def _course_names(course_keys):
    overviews = compat.get_course_overviews(course_keys) if course_keys else {}
    return {key: (overviews[key].display_name or key) if key in overviews else key for key in course_keys}


def _passes(user, course_keys):
    """``{course_key: passed_at}`` of the courses the person passed (as the platform told us)."""
    if not course_keys:
        return {}
    return dict(
        CourseEvidence.objects.filter(user=user, course_key__in=list(course_keys), passed_at__isnull=False).values_list(
            "course_key", "passed_at"
        )
    )


def _target_data(assignment_or_key, target_type, target, course_names, passes=None, cycle=1, cycle_started_at=None):
    key = assignment_or_key
    data = {
        "key": key,
        "type": target_type,
        "type_label": target_type_label(target_type),
        "display_name": target.display_name if target is not None else key,
        "url": targets.url_of(key, target_type),
        "courses": [],
    }
    if target_type == "path" and target is not None:
        for course_key in target.course_keys:
            passed_at = (passes or {}).get(course_key)
            data["courses"].append(
                {
                    "key": course_key,
                    "display_name": course_names.get(course_key, course_key),
                    "url": targets.url_of(course_key, "course"),
                    "passed": rules.evidence_counts(passed_at, cycle=cycle, cycle_started_at=cycle_started_at),
                }
            )
    return data


def _action(status, target_url):
    label = {
        rules.ASSIGNED: _("Start"),
        rules.IN_PROGRESS: _("Continue"),
        rules.OVERDUE: _("Continue"),
        rules.COMPLETED: _("Review"),
    }[status]
    return {"url": target_url, "label": label}


def _repeats(assignment, tz, now):
    if not assignment.repeat_weeks:
        return None
    if assignment.completed_at is not None and assignment.next_due_date:
        next_due = assignment.next_due_date
        starts = assignment.next_cycle_at or assignment.deadline
        text = _("{repeats}. This cycle is completed; the next cycle starts on {start} and is due {next_due}.").format(
            repeats=repetition_text(assignment.repeat_weeks),
            start=_local_date_text(starts, tz),
            next_due=due_dates.describe_due(next_due, tz)["date"],
        )
    else:
        next_due = rules.next_cycle_due_date(
            assignment.due_date,
            assignment.repeat_weeks,
            now=max(now, assignment.deadline),
            tz=tz,
            min_lead_days=setting("MIN_LEAD_DAYS"),
        )
        starts = assignment.deadline
        text = _(
            "{repeats}: once this cycle is over (at its deadline, or when you complete it late), a new cycle "
            "starts and is due {next_due}."
        ).format(
            repeats=repetition_text(assignment.repeat_weeks), next_due=due_dates.describe_due(next_due, tz)["date"]
        )
    return {
        "every_weeks": assignment.repeat_weeks,
        "text": text,
        "next_due_date": next_due.isoformat(),
        "next_cycle_starts": starts.isoformat(),
    }


def _calendar_url(assignment_id):
    try:
        return _url("learner-assignment-ics", assignment_id=assignment_id)
    except NoReverseMatch:
        return ""


def assignment_data(assignment, tz, *, target, course_names, passes, now):
    """One assignment of the learner, as the page and the API show it."""
    status = rules.compute_status(
        completed_at=assignment.completed_at,
        progressed_at=assignment.progressed_at,
        deadline=assignment.deadline,
        now=now,
    )
    target_data = _target_data(
        assignment.target_key,
        assignment.target_type,
        target,
        course_names,
        passes,
        cycle=assignment.cycle,
        cycle_started_at=assignment.cycle_started_at,
    )
    due = due_dates.describe_due(assignment.due_date, tz)
    return {
        "id": assignment.pk,
        "target": target_data,
        "due_date": assignment.due_date.isoformat(),
        "deadline": due["deadline"].isoformat(),
        "due": {key: due[key] for key in ("date", "time", "zone_id", "zone_name", "end_of_day", "full")},
        "status": status,
        "status_label": status_label(status),
        "overdue": status == rules.OVERDUE,
        "note": assignment.note,
        "cycle": assignment.cycle,
        "repeat_weeks": assignment.repeat_weeks,
        "repeats": _repeats(assignment, tz, now),
        "completed_at": assignment.completed_at.isoformat() if assignment.completed_at else None,
        "action": _action(status, target_data["url"]),
        "calendar_url": _calendar_url(assignment.pk),
    }


def cycle_data(cycle, tz, *, target, course_names):
    """One completed cycle, kept for the records."""
    target_type = (
        target.type if target is not None else ("path" if cycle.target_key.startswith("path-v1:") else "course")
    )
    deadline = rules.deadline_for(cycle.due_date, tz)
    return {
        "assignment_id": cycle.assignment_id,
        "target": _target_data(cycle.target_key, target_type, target, course_names),
        "cycle": cycle.cycle,
        "due_date": cycle.due_date.isoformat(),
        "due": due_dates.describe_due(cycle.due_date, tz)["full"],
        "completed_at": cycle.completed_at.isoformat(),
        "completed_on": _local_date_text(cycle.completed_at, tz),
        "on_time": cycle.completed_at < deadline,
    }


def _sort_key(item):
    if item["status"] == rules.OVERDUE:
        group = 0
    elif item["status"] != rules.COMPLETED:
        group = 1
    else:  # a recurring assignment between cycles
        group = 2
    due = item["repeats"]["next_due_date"] if group == 2 and item["repeats"] else item["due_date"]
    return (group, due, item["id"])


def my_assignments(user, now=None):
    """
    The person's own assignments, worded in the active language::

        {"time_zone": {"id", "name"},
         "assignments": [...],        # open ones: overdue first, then by due date; then recurring ones
                                      # between two cycles (completed for now)
         "completed_cycles": [...]}   # every completed cycle, most recent first

    A completed assignment that does not repeat appears among the completed cycles.
    """
    now = now or timezone.now()
    tz = api.user_time_zone(user)
    rows = list(
        Assignment.objects.filter(user=user)
        .filter(Q(completed_at__isnull=True) | Q(repeat_weeks__isnull=False, is_open=True))
        .order_by("due_date", "id")
    )
    cycles = list(CompletedCycle.objects.filter(user=user).order_by("-completed_at", "-id"))
    resolved = _targets_of({row.target_key for row in rows} | {cycle.target_key for cycle in cycles})
    path_courses = {
        key
        for target in resolved.values()
        if target is not None and target.type == "path"
        for key in target.course_keys
    }
    course_names = _course_names(sorted(path_courses))
    passes = _passes(user, path_courses)
    items = [
        assignment_data(row, tz, target=resolved[row.target_key], course_names=course_names, passes=passes, now=now)
        for row in rows
    ]
    items.sort(key=_sort_key)
    return {
        "time_zone": due_dates.describe_zone(tz),
        "assignments": items,
        "completed_cycles": [
            cycle_data(cycle, tz, target=resolved[cycle.target_key], course_names=course_names) for cycle in cycles
        ],
    }


def calendar_assignments(user):
    """
    The person's assignments that belong in their calendar: every open cycle on its due date, and the
    next cycle of a recurring assignment that is completed for now, on its next due date.
    Returns ``(assignment, cycle, due_date)`` tuples.
    """
    rows = Assignment.objects.filter(user=user, is_open=True).order_by("due_date", "id")
    entries = []
    for row in rows:
        if row.completed_at is None:
            entries.append((row, row.cycle, row.due_date))
        elif row.repeat_weeks and row.next_due_date:
            entries.append((row, row.cycle + 1, row.next_due_date))
    return entries
