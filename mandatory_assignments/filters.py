"""
openedx-filters pipeline steps of mandatory assignments.

They are registered in ``OPEN_EDX_FILTERS_CONFIG`` by the plugin's settings (appended to whatever other
plugins configured). Each step fails closed: when the caller may not manage the course, it adds nothing.
"""

import logging

from crum import get_current_user
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from edx_django_utils.cache import RequestCache
from openedx_filters import PipelineStep
from web_fragments.fragment import Fragment

from . import api, due_dates, learner, rules
from .conf import default_time_zone_name, setting

# --- instructor dashboard -------------------------------------------------------------------------
#
# The MFE dashboard asks for its tabs through InstructorDashboardTabsRequested; it opens an absolute URL
# as a plain link (it never iframes), so the tab carries the absolute LMS URL of the plugin's course page.
# The legacy dashboard (behind a waffle flag) renders the sections of InstructorDashboardRenderStarted;
# the LMS includes ``<template_path_prefix><section_key>.html`` (a Mako template shipped in
# ``templates/instructor_dashboard/``) which shows the section's fragment.

DASHBOARD_TAB_ID = "mandatory_assignments"
DASHBOARD_SECTION_KEY = "mandatory_assignments"
# After the platform's own tabs (10-110).
DASHBOARD_TAB_SORT_ORDER = 120


def course_page_url(course_key):
    """The absolute LMS URL of the plugin's page of the course."""
    path = reverse("mandatory_assignments:staff-course-overview", kwargs={"course_id": str(course_key)})
    return getattr(settings, "LMS_ROOT_URL", "").rstrip("/") + path


def _may_manage(user, course_key):
    active = user is not None and getattr(user, "is_authenticated", False) and user.is_active
    return active and api.can_manage(user, str(course_key))


class AddInstructorDashboardTab(PipelineStep):
    """``InstructorDashboardTabsRequested``: a "Mandatory assignments" tab for the course's staff."""

    def run_filter(self, tabs, user, course_key):  # pylint: disable=arguments-differ
        if not setting("ENABLED") or course_key is None or not _may_manage(user, course_key):
            return {"tabs": tabs}
        tabs = list(tabs or [])
        if not any(tab.get("tab_id") == DASHBOARD_TAB_ID for tab in tabs):
            tabs.append(
                {
                    "tab_id": DASHBOARD_TAB_ID,
                    "title": _("Mandatory assignments"),
                    "url": course_page_url(course_key),
                    "sort_order": DASHBOARD_TAB_SORT_ORDER,
                }
            )
        return {"tabs": tabs}


class AddInstructorDashboardSection(PipelineStep):
    """``InstructorDashboardRenderStarted``: a legacy-dashboard section linking to the course page."""

    def run_filter(self, context, template_name):  # pylint: disable=arguments-differ
        course = context.get("course")
        course_key = getattr(course, "id", None)
        user = get_current_user()
        if not setting("ENABLED") or course_key is None or not _may_manage(user, course_key):
            return {"context": context, "template_name": template_name}
        counts = _open_counts(user, course_key)
        html = render_to_string(
            "mandatory_assignments/staff/dashboard_section.html",
            {"course_page_url": course_page_url(course_key), "counts": counts},
        )
        section = {
            "section_key": DASHBOARD_SECTION_KEY,
            "section_display_name": _("Mandatory assignments"),
            "fragment": Fragment(html),
            "course_id": str(course_key),
            "template_path_prefix": "/instructor_dashboard/",
        }
        sections = list(context.get("sections") or [])
        if not any(existing.get("section_key") == DASHBOARD_SECTION_KEY for existing in sections):
            sections.append(section)
        context["sections"] = sections
        return {"context": context, "template_name": template_name}


def _open_counts(user, course_key):
    """How many of the course's assignments are open and how many of those are overdue, for ``user``."""
    rows = api.get_assignments(by=user, target=str(course_key))
    return {
        "open": rows.filter(api.status_q(["assigned", "in_progress", "overdue"])).count(),
        "overdue": rows.filter(api.status_q(["overdue"])).count(),
    }


# --- courseware -----------------------------------------------------------------------------------
#
# VerticalBlockRenderCompleted runs on every unit view (also inside the Learning MFE's unit iframe). For a
# learner with an open assignment of this course (or of a learning path that includes it), the step puts
# a short banner above the unit: the due date in the learner's terms, the status and the note. It costs
# one indexed query per request and course (cached per request; the learner's zone comes with it), and
# it never breaks the unit: any failure is logged and the fragment is returned as it came.

STUDENT_VIEW = "student_view"
_BANNER_CACHE = "mandatory_assignments.courseware_banner"
# What the LMS's user service (DjangoXBlockUserService) puts in the XBlock user's opt_attrs.
_ATTR_IS_AUTHENTICATED = "edx-platform.is_authenticated"
_ATTR_USER_ID = "edx-platform.user_id"
_ATTR_IS_STAFF = "edx-platform.user_is_staff"
_ATTR_IS_GLOBAL_STAFF = "edx-platform.user_is_global_staff"
_ATTR_ROLE = "edx-platform.user_role"

log = logging.getLogger(__name__)


def _course_key_of(block):
    location = getattr(block, "location", None) or block.scope_ids.usage_id
    course_key = location.course_key
    # Draft/published branches and versions name the same course run.
    return course_key.for_branch(None) if hasattr(course_key, "for_branch") else course_key


def _masquerading(user_service, user_id, course_key):
    """
    Whether a staff member is viewing the course as someone else. The LMS's ``setup_masquerade`` leaves
    ``masquerade_settings`` (keyed by course) on the request's user and, for a specific learner, gives the
    learner's user object a ``real_user``.
    """
    request_user = get_current_user()
    for person in (getattr(user_service, "_django_user", None), request_user):
        if person is None:
            continue
        if getattr(person, "real_user", person) is not person:
            return True
        if course_key in (getattr(person, "masquerade_settings", None) or {}):
            return True
    return bool(request_user is not None and request_user.is_authenticated and request_user.pk != user_id)


def _viewer_attrs(user_service):
    """
    What the step needs of the XBlock user's ``opt_attrs``. The LMS's ``DjangoXBlockUserService`` keeps the
    Django user and the staff flag and role it was built with (``_django_user``, ``_user_is_staff``,
    ``_user_role``); its ``get_current_user()`` reads the profile and the preferences again on every call,
    so those are read where the service has them, and ``get_current_user()`` is asked only where it has not.
    """
    django_user = getattr(user_service, "_django_user", None)
    if django_user is None or not hasattr(user_service, "_user_is_staff") or not hasattr(user_service, "_user_role"):
        return user_service.get_current_user().opt_attrs
    authenticated = bool(getattr(django_user, "is_authenticated", False))
    return {
        _ATTR_IS_AUTHENTICATED: authenticated,
        _ATTR_USER_ID: django_user.pk if authenticated else None,
        _ATTR_IS_STAFF: user_service._user_is_staff,  # pylint: disable=protected-access
        _ATTR_IS_GLOBAL_STAFF: authenticated and bool(getattr(django_user, "is_staff", False)),
        _ATTR_ROLE: user_service._user_role,  # pylint: disable=protected-access
    }


def _learner_of(block, course_key):
    """``(user_id, opt_attrs)`` of the learner viewing the block, or ``None`` for anyone who gets no banner."""
    user_service = block.runtime.service(block, "user")
    if user_service is None:
        return None
    attrs = _viewer_attrs(user_service)
    user_id = attrs.get(_ATTR_USER_ID)
    if not attrs.get(_ATTR_IS_AUTHENTICATED) or not user_id:
        return None
    if (
        attrs.get(_ATTR_IS_STAFF)
        or attrs.get(_ATTR_IS_GLOBAL_STAFF)
        or attrs.get(_ATTR_ROLE) in ("staff", "instructor")
    ):
        return None  # course staff previewing the unit
    if _masquerading(user_service, user_id, course_key):
        return None
    return user_id, attrs


def _nothing_for_viewer(course_key):
    """
    Whether the person making the request has no open assignment covering the course (or is anonymous):
    then no banner is possible, and the block's user service — which reads the profile in the LMS — is
    not asked. Outside a request (``None``) the user service decides, as before.
    """
    viewer = get_current_user()
    if viewer is None:
        return False
    return not viewer.is_authenticated or not _banner_rows(viewer.pk, str(course_key))


def _banner_rows(user_id, course_key):
    """The learner's open assignments covering the course, read once per request."""
    cache = RequestCache(_BANNER_CACHE)
    key = f"{user_id}:{course_key}"
    cached = cache.get_cached_response(key)
    if cached.is_found:
        return cached.value
    rows = learner.open_assignments_covering(user_id, course_key)
    cache.set(key, rows)
    return rows


def _learner_zone(rows):
    """The learner's zone: their ``time_zone`` preference, read with the banner's rows; else the default."""
    return rules.time_zone_or_default(rows[0].get("time_zone") if rows else None, default_time_zone_name())


def banner_html(rows, tz):
    """The banner of these assignments (dicts of ``learner.open_assignments_covering``)."""
    items = []
    for row in rows:
        if tz is not None:
            due = due_dates.describe_due(row["due_date"], tz)
            due_text, end_of_day = due["date"], due["end_of_day"]
        else:
            due_text = formats.date_format(row["due_date"], "DATE_FORMAT")
            end_of_day = _("end of that day in your time zone")
        items.append(
            {
                "due_date": due_text,
                "end_of_day": end_of_day,
                "status_label": learner.status_label(row["status"]),
                "overdue": row["status"] == rules.OVERDUE,
                "note": row["note"],
                "path_name": row["path_name"] if row["target_type"] == "path" else None,
            }
        )
    return render_to_string(
        "mandatory_assignments/learner/banner.html",
        {
            "items": items,
            "any_overdue": any(item["overdue"] for item in items),
            "my_assignments_url": learner.my_page_url(),
        },
    )


class ShowMandatoryAssignmentBanner(PipelineStep):
    """``VerticalBlockRenderCompleted``: the learner's open assignment of this course, above the unit."""

    def run_filter(self, block, fragment, context, view):  # pylint: disable=arguments-differ
        unchanged = {"block": block, "fragment": fragment, "context": context, "view": view}
        try:
            if not setting("ENABLED") or view != STUDENT_VIEW:
                return unchanged
            course_key = _course_key_of(block)
            if _nothing_for_viewer(course_key):
                return unchanged
            learner_found = _learner_of(block, course_key)
            if learner_found is None:
                return unchanged
            user_id, _attrs = learner_found
            rows = _banner_rows(user_id, str(course_key))
            if not rows:
                return unchanged
            html = banner_html(rows, _learner_zone(rows))
            fragment.content = html + (fragment.content or "")
        # A unit must render whatever happens here: any error is logged and the fragment left as it was.
        except Exception:  # pylint: disable=broad-except  # noqa: BLE001
            log.exception("Mandatory assignments: no courseware banner for block %s", getattr(block, "location", None))
        return unchanged
