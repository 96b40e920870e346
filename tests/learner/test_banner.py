"""
The courseware banner: the platform's real VerticalBlockRenderCompleted pipeline, configured by the
plugin's settings, run on a unit with a real web-fragments Fragment, as the LMS's vertical block runs it.
"""

import datetime
import logging

import crum
import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import OperationalError, connection
from edx_django_utils.cache import RequestCache
from lms.djangoapps.courseware.access import has_access
from openedx_filters.learning.filters import VerticalBlockRenderCompleted
from web_fragments.fragment import Fragment
from xblock.exceptions import NoSuchServiceError

from mandatory_assignments import api
from sandbox import controls
from sandbox.courseware import SandboxVerticalBlock, user_service_options

from ..conftest import COURSE
from .conftest import MY_URL, OTHER_COURSE, PATH, assign

pytestmark = pytest.mark.usefixtures("now")

UNIT_HTML = "<div class='vert-mod'><p>Unit 1</p></div>"
AFTER_DEADLINE = datetime.datetime(2026, 12, 16, 9, 0, tzinfo=datetime.UTC)  # due 2026-12-15 in Berlin


def unit_of(user, course):
    """A unit of ``course`` whose runtime is built for ``user``, as the LMS builds it before rendering."""
    is_staff = bool(user.is_authenticated and has_access(user, "staff", course))
    options = user_service_options(user, course.id, is_staff=is_staff) if user.is_authenticated else {}
    return SandboxVerticalBlock(course, user, **options)


def render(block, view="student_view"):
    """Run the platform's filter on the rendered unit; return the fragment's content."""
    fragment = Fragment(UNIT_HTML)
    _block, fragment, _context, _view = VerticalBlockRenderCompleted.run_filter(
        block=block, fragment=fragment, context={"username": "x"}, view=view
    )
    return fragment.content


def banner_of(content):
    assert content.endswith(UNIT_HTML), "the unit itself must follow the banner unchanged"
    return content[: -len(UNIT_HTML)]


# Presence -----------------------------------------------------------------------------------------


def test_the_plugin_settings_register_the_step():
    from django.conf import settings

    pipeline = settings.OPEN_EDX_FILTERS_CONFIG[VerticalBlockRenderCompleted.filter_type]["pipeline"]
    assert "mandatory_assignments.filters.ShowMandatoryAssignmentBanner" in pipeline


def test_a_learner_with_an_open_assignment_sees_due_date_status_note_and_link(course, learner, staff):
    assign(learner, staff, note="Read the fire exits part first.\nThen the quiz.")

    banner = banner_of(render(unit_of(learner, course)))

    assert "Mandatory — due Dec. 15, 2026" in banner
    assert "end of that day, 11:59 p.m. Central European Time — Europe/Berlin" in banner
    assert "Status:" in banner and "Assigned" in banner
    assert "Read the fire exits part first.<br>Then the quiz." in banner
    assert f'href="{MY_URL}"' in banner and "My mandatory assignments" in banner
    assert 'aria-label="Mandatory assignment"' in banner
    assert "Overdue" not in banner


def test_the_banner_speaks_the_learners_language(course, learner, staff):
    from django.utils import translation

    assign(learner, staff)
    with translation.override("de"):
        banner = banner_of(render(unit_of(learner, course)))

    assert "15. Dezember 2026" in banner
    assert "Mitteleuropäische Zeit — Europe/Berlin" in banner


def test_overdue_stands_out_in_words_and_sign_not_colour_alone(course, learner, staff):
    assign(learner, staff)

    with time_machine.travel(AFTER_DEADLINE, tick=False):
        banner = banner_of(render(unit_of(learner, course)))

    assert "Overdue" in banner
    assert "&#9888;" in banner  # a warning sign beside the word
    assert "the due date has passed" in banner


def test_the_note_is_escaped(course, learner, staff):
    assign(learner, staff, note='<script>alert("x")</script><b>bold</b>')

    banner = banner_of(render(unit_of(learner, course)))

    assert "<script>" not in banner and "<b>bold</b>" not in banner
    assert "&lt;script&gt;" in banner and "&lt;b&gt;bold&lt;/b&gt;" in banner


def test_an_assignment_of_a_learning_path_with_the_course_shows_too(course, path, learner, admin):
    assign(learner, admin, target=PATH, note="Onboarding for everyone")

    banner = banner_of(render(unit_of(learner, course)))

    assert "Mandatory — due Dec. 15, 2026" in banner
    assert "part of your mandatory learning path Onboarding" in banner
    assert "Onboarding for everyone" in banner


def test_in_progress_is_shown(course, learner, staff):
    assign(learner, staff)
    controls.complete_block(learner, COURSE)

    assert "In progress" in banner_of(render(unit_of(learner, course)))


# Absence ------------------------------------------------------------------------------------------


def test_nothing_without_an_assignment(course, learner):
    assert render(unit_of(learner, course)) == UNIT_HTML


def test_nothing_for_an_assignment_of_another_course(course, other_course, learner, admin):
    assign(learner, admin, target=OTHER_COURSE)

    assert render(unit_of(learner, course)) == UNIT_HTML


def test_nothing_for_anonymous_users(course, learner, staff):
    assign(learner, staff)

    assert render(unit_of(AnonymousUser(), course)) == UNIT_HTML


def test_nothing_for_course_staff_previewing(course, staff, admin):
    # Even a staff member who has an assignment of this course themself sees the unit as staff.
    assign(staff, admin)

    assert render(unit_of(staff, course)) == UNIT_HTML


def test_nothing_for_global_staff(course, admin):
    other_admin = controls.create_user("ops", is_staff=True)
    assign(admin, other_admin)

    assert render(unit_of(admin, course)) == UNIT_HTML


def test_nothing_for_staff_masquerading_as_the_learner(course, learner, staff):
    assign(learner, staff)
    # What the LMS's setup_masquerade leaves behind when staff view the course as this learner.
    staff.masquerade_settings = {course.id: object()}
    learner.masquerade_settings = staff.masquerade_settings
    learner.real_user = staff
    crum.set_current_user(staff)

    assert render(unit_of(learner, course)) == UNIT_HTML


def test_nothing_for_staff_masquerading_as_a_generic_learner(course, staff, admin):
    assign(staff, admin)
    # Masquerading in the "Learner" role: has_access no longer answers staff, the request's user says so.
    staff.masquerade_settings = {course.id: object()}
    crum.set_current_user(staff)
    block = SandboxVerticalBlock(course, staff, **user_service_options(staff, course.id, is_staff=False))

    assert render(block) == UNIT_HTML


def test_nothing_once_completed(course, learner, staff):
    assign(learner, staff)
    controls.set_grade(learner, COURSE, percent=0.9, passed=True)
    assert api.get_assignments(user=learner).get().status == "completed"

    assert render(unit_of(learner, course)) == UNIT_HTML


def test_nothing_in_the_public_view(course, learner, staff):
    assign(learner, staff)

    assert render(unit_of(learner, course), view="public_view") == UNIT_HTML


def test_nothing_when_the_feature_is_off(course, learner, staff, settings):
    assign(learner, staff)
    settings.MANDATORY_ASSIGNMENTS_ENABLED = False

    assert render(unit_of(learner, course)) == UNIT_HTML


# Failure ------------------------------------------------------------------------------------------


class RuntimeWithoutUserService:
    def service(self, block, service_name):
        raise NoSuchServiceError(f"Service {service_name!r} is not available.")


def test_a_runtime_failure_leaves_the_unit_unchanged_and_is_logged(course, learner, staff, caplog):
    assign(learner, staff)
    block = unit_of(learner, course)
    block.runtime = RuntimeWithoutUserService()

    with caplog.at_level(logging.ERROR, logger="mandatory_assignments.filters"):
        assert render(block) == UNIT_HTML

    assert "no courseware banner" in caplog.text


def test_a_database_failure_leaves_the_unit_unchanged_and_is_logged(course, learner, staff, caplog):
    assign(learner, staff)
    block = unit_of(learner, course)

    def refuse_assignment_queries(execute, sql, params, many, context):
        if "mandatory_assignments_assignment" in sql:
            raise OperationalError("the database went away")
        return execute(sql, params, many, context)

    with caplog.at_level(logging.ERROR, logger="mandatory_assignments.filters"):
        with connection.execute_wrapper(refuse_assignment_queries):
            content = render(block)

    assert content == UNIT_HTML
    assert "the database went away" in caplog.text


# Cost ---------------------------------------------------------------------------------------------


def test_one_query_per_unit_view(course, path, learner, staff, admin, django_assert_max_num_queries):
    assign(learner, staff)
    block = unit_of(learner, course)

    with django_assert_max_num_queries(1):
        assert "Mandatory — due" in render(block)


def test_the_banner_reads_neither_profile_nor_preferences_again(course, learner, staff, django_assert_num_queries):
    """The request's user comes without its profile; the zone comes with the banner's one query."""
    assign(learner, staff)
    block = unit_of(get_user_model().objects.get(pk=learner.pk), course)

    with django_assert_num_queries(1):
        banner = banner_of(render(block))

    assert "Mandatory — due Dec. 15, 2026" in banner
    assert "Central European Time — Europe/Berlin" in banner


def test_a_user_service_without_the_lms_attributes_is_asked_for_the_user(course, learner, staff, admin):
    """Another runtime's user service: the step reads the XBlock user's attributes as the LMS hands them."""
    assign(learner, staff)
    staff_unit, learner_unit = unit_of(admin, course), unit_of(learner, course)
    for unit in (staff_unit, learner_unit):
        service = unit.runtime.service(unit, "user")
        unit.runtime._services["user"] = type("OtherUserService", (), {"get_current_user": service.get_current_user})()

    assert "Mandatory — due Dec. 15, 2026" in render(learner_unit)
    RequestCache.clear_all_namespaces()
    assert render(staff_unit) == UNIT_HTML


def test_several_units_of_one_request_share_the_query(course, learner, staff, django_assert_max_num_queries):
    assign(learner, staff)
    blocks = [unit_of(learner, course) for _ in range(3)]

    with django_assert_max_num_queries(1):
        for block in blocks:
            assert "Mandatory — due" in render(block)


def test_a_learner_without_assignment_costs_one_query_too(course, learner, django_assert_max_num_queries):
    block = unit_of(learner, course)

    with django_assert_max_num_queries(1):
        assert render(block) == UNIT_HTML


def test_staff_and_anonymous_cost_no_query(course, staff, django_assert_max_num_queries):
    staff_block = unit_of(staff, course)
    anonymous_block = unit_of(AnonymousUser(), course)

    with django_assert_max_num_queries(0):
        render(staff_block)
        render(anonymous_block)


# The sandbox's courseware page --------------------------------------------------------------------


def test_the_sandbox_unit_page_shows_the_banner(client, course, learner, staff):
    assign(learner, staff, note="See you at the drill")
    client.force_login(learner)

    response = client.get(f"/courses/{COURSE}/unit/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Mandatory — due Dec. 15, 2026" in html
    assert "See you at the drill" in html
    assert html.index("Mandatory — due") < html.index("Workplace Safety: Unit 1")


def test_the_sandbox_unit_page_shows_no_banner_to_course_staff(client, course, staff):
    client.force_login(staff)

    html = client.get(f"/courses/{COURSE}/unit/").content.decode()

    assert "Workplace Safety: Unit 1" in html
    assert "Mandatory — due" not in html
