"""
The instructor dashboard links to the course page: a tab in the MFE dashboard (InstructorDashboardTabsRequested)
and a section in the legacy one (InstructorDashboardRenderStarted), through the real openedx-filters
pipelines configured by the plugin's settings.
"""

import types

import crum
import pytest
from django.conf import settings as django_settings
from django.test import Client
from opaque_keys.edx.keys import CourseKey
from openedx.core.djangoapps.content.course_overviews.models import CourseOverview
from openedx_filters.learning.filters import InstructorDashboardRenderStarted, InstructorDashboardTabsRequested

from mandatory_assignments.settings import common
from tests.conftest import COURSE

from .conftest import login

KEY = CourseKey.from_string(COURSE)
PAGE_URL = f"http://127.0.0.1:8000/mandatory_assignments/course/{COURSE}/"
CORE_TABS = [{"tab_id": "course_info", "title": "Course Info", "url": "/course_info", "sort_order": 10}]


def test_the_plugin_settings_append_both_steps_to_other_plugins_pipelines():
    for filter_type, step in [
        (InstructorDashboardTabsRequested.filter_type, "mandatory_assignments.filters.AddInstructorDashboardTab"),
        (InstructorDashboardRenderStarted.filter_type, "mandatory_assignments.filters.AddInstructorDashboardSection"),
    ]:
        assert step in django_settings.OPEN_EDX_FILTERS_CONFIG[filter_type]["pipeline"]
    lms = types.SimpleNamespace(
        MANDATORY_ASSIGNMENTS_TICK_SECONDS=300,
        OPEN_EDX_FILTERS_CONFIG={
            InstructorDashboardTabsRequested.filter_type: {"fail_silently": False, "pipeline": ["other.Step"]},
        },
    )
    common.register_shared_settings(lms)
    common.register_shared_settings(lms)  # production settings run it again: nothing doubles
    tabs = lms.OPEN_EDX_FILTERS_CONFIG[InstructorDashboardTabsRequested.filter_type]
    assert tabs == {"fail_silently": False, "pipeline": ["other.Step", common.INSTRUCTOR_DASHBOARD_TAB_STEP]}
    assert lms.OPEN_EDX_FILTERS_CONFIG[InstructorDashboardRenderStarted.filter_type]["pipeline"] == [
        common.INSTRUCTOR_DASHBOARD_SECTION_STEP
    ]


@pytest.mark.parametrize("role", ["course_staff", "course_instructor", "global_staff"])
def test_course_staff_get_a_tab_with_the_absolute_url_of_the_course_page(people, role):
    tabs, _user, _key = InstructorDashboardTabsRequested.run_filter(
        tabs=list(CORE_TABS), user=people[role], course_key=KEY
    )
    assert tabs == CORE_TABS + [
        {"tab_id": "mandatory_assignments", "title": "Mandatory assignments", "url": PAGE_URL, "sort_order": 120}
    ]


@pytest.mark.parametrize("role", ["anonymous", "learner", "other_course_staff"])
def test_others_get_no_tab(people, role):
    tabs, _user, _key = InstructorDashboardTabsRequested.run_filter(
        tabs=list(CORE_TABS), user=people[role], course_key=KEY
    )
    assert tabs == CORE_TABS


def test_the_tab_goes_with_the_feature_switch(people, settings):
    settings.MANDATORY_ASSIGNMENTS_ENABLED = False
    tabs, _user, _key = InstructorDashboardTabsRequested.run_filter(
        tabs=list(CORE_TABS), user=people["course_staff"], course_key=KEY
    )
    assert tabs == CORE_TABS


def _sections_for(user):
    context = {"course": CourseOverview.get_from_id(KEY), "sections": [{"section_key": "course_info"}]}
    with crum.impersonate(user):
        context, template_name = InstructorDashboardRenderStarted.run_filter(context=context, template_name="x.html")
    assert template_name == "x.html"
    return context["sections"]


def test_the_legacy_dashboard_gets_a_section_with_a_fragment_linking_to_the_course_page(people, assignment):
    sections = _sections_for(people["course_staff"])
    assert [section["section_key"] for section in sections] == ["course_info", "mandatory_assignments"]
    section = sections[1]
    assert section["section_display_name"] == "Mandatory assignments"
    assert section["template_path_prefix"] == "/instructor_dashboard/"
    html = section["fragment"].body_html()
    assert f'href="{PAGE_URL}"' in html
    assert "Open mandatory assignments in this course: 1 (0 overdue)." in html


def test_the_legacy_dashboard_of_a_learner_gets_no_section(people):
    assert [section["section_key"] for section in _sections_for(people["learner"])] == ["course_info"]


def test_the_sandbox_dashboard_shows_the_section(people, assignment):
    page = login(Client(), people["course_instructor"]).get(f"/courses/{COURSE}/instructor").content.decode()
    assert '<section id="mandatory_assignments">' in page
    assert PAGE_URL in page
