"""
What every staff page shares: the page's scope (one course, or the whole organisation), the decorators
that check the feature switch, the login and the caller's permission (404 when they may not see it),
and small helpers for labels and links.
"""

import functools
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import api, rules
from ..conf import setting
from ..data import Target
from . import _core

STATUS_LABELS = dict(rules.STATUS_CHOICES)
# A symbol beside each status, so that status never depends on colour alone.
STATUS_ICONS = {rules.ASSIGNED: "\u25cb", rules.IN_PROGRESS: "\u25d0", rules.COMPLETED: "\u2713", rules.OVERDUE: "!"}
EXPORT_PATH = "/api/mandatory_assignments/v1/assignments/export.csv"
PEOPLE_PATH = "/api/mandatory_assignments/v1/people/"
BULK_JOB_PATH = "/api/mandatory_assignments/v1/bulk/{task_id}/"


@dataclass(frozen=True)
class Scope:
    """The page's scope: one course (the course page, for its staff) or the organisation (global staff)."""

    course: Target | None = None

    @property
    def is_course(self):
        return self.course is not None

    @property
    def course_key(self):
        return self.course.key if self.course else None

    @property
    def session_key(self):
        return self.course.key if self.course else "organisation"

    def url(self, name, **kwargs):
        """The URL of the page ``name`` (``overview``, ``new``, ``bulk`` …) in this scope."""
        if self.course is not None:
            return reverse(
                f"mandatory_assignments:staff-course-{name}", kwargs={"course_id": self.course.key, **kwargs}
            )
        return reverse(f"mandatory_assignments:staff-{name}", kwargs=kwargs)

    @property
    def url_overview(self):
        return self.url("overview")

    @property
    def url_new(self):
        return self.url("new")

    @property
    def url_bulk(self):
        return self.url("bulk")

    @property
    def title(self):
        return self.course.display_name if self.course else _("All courses and learning paths")


def scope_of_assignment(assignment, target):
    return Scope(course=target if target is not None and target.type == "course" else None)


def _not_found():
    raise Http404


def _guard(request):
    """The feature switch (404) and the login (redirect); ``None`` when the request may go on."""
    if not setting("ENABLED"):
        _not_found()
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), getattr(settings, "LOGIN_URL", None))
    return None


def _in_viewer_zone(request, view, *args, **kwargs):
    """Times on the pages are shown in the viewer's own time zone."""
    with timezone.override(api.user_time_zone(request.user)):  # invalid preferences fall back
        return view(request, *args, **kwargs)


def scope_page(view):
    """
    A page of a scope: ``course_id`` in the URL for a course page (its staff only), none for the
    organisation-wide page (global staff only). Anyone else gets 404; anonymous callers the login.
    """

    @functools.wraps(view)
    def wrapper(request, course_id=None, **kwargs):
        redirect = _guard(request)
        if redirect is not None:
            return redirect
        if course_id is None:
            if not _core.can_view_overview(request.user):
                _not_found()
            scope = Scope()
        else:
            target = _core.resolve_target(course_id)
            if target is None or not api.may_open_course_page(request.user, target.key):
                _not_found()
            scope = Scope(course=target)
        return _in_viewer_zone(request, view, scope, **kwargs)

    return wrapper


def assignment_page(view=None, *, read_only=False):
    """
    A page of one assignment: its target's staff only (404 for everyone else and for unknown ids). With
    ``read_only``, also whoever may see it without managing it — a manager of the person, whose emails
    link here.
    """
    if view is None:
        return functools.partial(assignment_page, read_only=read_only)

    @functools.wraps(view)
    def wrapper(request, assignment_id, **kwargs):
        redirect = _guard(request)
        if redirect is not None:
            return redirect
        if read_only:
            # Staff of the target, or a manager of the person; never the person (theirs is "my" page).
            assignment = _core.get_assignment(assignment_id, by=request.user)
            if assignment is not None and not (
                _core.can_manage(request.user, assignment.target_key)
                or api.manages_person(request.user, assignment.user)
            ):
                assignment = None
        else:
            assignment = _core.get_manageable_assignment(assignment_id, by=request.user)
        if assignment is None:
            _not_found()
        target = _core.resolve_target(assignment.target_key)
        return _in_viewer_zone(request, view, assignment, target, **kwargs)

    return wrapper


def page_context(request, scope, **extra):
    """What the base template needs: the scope, the breadcrumbs, the links back."""
    breadcrumbs = []
    if _core.can_view_overview(request.user):
        breadcrumbs.append((_("Mandatory assignments"), reverse("mandatory_assignments:staff-overview")))
    if scope.is_course:
        breadcrumbs.append((scope.course.display_name, scope.url("overview")))
    dashboard_url = None
    if scope.is_course:
        dashboard_url = f"{getattr(settings, 'LMS_ROOT_URL', '').rstrip('/')}/courses/{scope.course_key}/instructor"
    return {
        "scope": scope,
        "breadcrumbs": breadcrumbs,
        "dashboard_url": dashboard_url,
        "people_url": PEOPLE_PATH,
        "time_zone_name": timezone.get_current_timezone_name(),
        "platform_name": getattr(settings, "PLATFORM_NAME", ""),
        "lms_root_url": getattr(settings, "LMS_ROOT_URL", "").rstrip("/"),
        "js_strings": js_strings(),
        **extra,
    }


def js_strings():
    """The script's messages, translated ({n}, {label}, {done}, {total} are filled in by the script)."""
    return {
        "results_one": str(_("1 person found. Use the arrow keys to choose.")),
        "results_many": str(_("{n} people found. Use the arrow keys to choose.")),
        "none": str(_("Nobody found.")),
        "selected": str(_("Selected {label}.")),
        "added": str(_("Reminder {n} added.")),
        "removed": str(_("Reminder removed.")),
        "remove": str(_("Remove reminder {n}")),
        "remove_text": str(_("Remove")),
        "done": str(_("{done} of {total} done")),
    }


def person_label(user, name=None):
    """A person as staff read them: their name, with the username beside it."""
    if user is None:
        return _("(removed)")
    name = name or user.get_full_name()
    return f"{name} ({user.username})" if name and name != user.username else user.username


def status_badge(status):
    return {"status": status, "label": STATUS_LABELS.get(status, status), "icon": STATUS_ICONS.get(status, "")}


def query_string(params, **changes):
    """``?a=1&b=2`` from ``params`` (a dict of lists) with ``changes`` applied (``None`` removes)."""
    merged = {key: list(values) for key, values in params.items()}
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value if isinstance(value, list) else [value]
    pairs = [(key, value) for key, values in merged.items() for value in values if value not in (None, "")]
    return "?" + urlencode(pairs) if pairs else "?"
