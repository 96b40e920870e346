"""
The simulated LMS behaves like the LMS where the plugin depends on it: events, completions, preferences,
the people's company and department, permissions and the course reset.
"""

from contextlib import contextmanager

import pytest
from common.djangoapps.student.models import CourseEnrollment, UserProfile, UserSignupSource
from completion.models import BlockCompletion
from django.conf import settings
from django.urls import get_resolver, reverse
from lms.djangoapps.courseware.access import has_access
from lms.djangoapps.grades.api import CourseGradeFactory
from lms.djangoapps.support.models import CourseResetAudit, CourseResetCourseOptIn
from lms.djangoapps.support.tasks import reset_student_course
from lms.djangoapps.support.views.course_reset import can_enrollment_be_reset
from opaque_keys.edx.keys import CourseKey
from openedx.core.djangoapps.site_configuration import helpers as configuration_helpers
from openedx.core.djangoapps.user_api.accounts.signals import USER_RETIRE_LMS_MISC
from openedx.core.djangoapps.user_api.errors import PreferenceValidationError, UserNotAuthorized
from openedx.core.djangoapps.user_api.models import UserPreference
from openedx.core.djangoapps.user_api.preferences import api as preferences
from openedx.core.lib.celery.task_utils import emulate_http_request
from openedx_events.learning.signals import (
    CERTIFICATE_CREATED,
    COHORT_MEMBERSHIP_CHANGED,
    COURSE_ENROLLMENT_CHANGED,
    COURSE_ENROLLMENT_CREATED,
    COURSE_PASSING_STATUS_UPDATED,
    COURSE_UNENROLLMENT_COMPLETED,
    PERSISTENT_GRADE_SUMMARY_CHANGED,
)

from sandbox import controls

COURSE = "course-v1:AcmeX+SAFE101+2026"
COURSE_KEY = CourseKey.from_string(COURSE)


@contextmanager
def capture(*signals):
    """Record the events sent on ``signals``: ``{signal: [kwargs, ...]}``."""
    sent = {signal: [] for signal in signals}
    receivers = {}
    for signal in signals:

        def receiver(sender, _events=sent[signal], **kwargs):  # noqa: ARG001
            _events.append(kwargs)

        receivers[signal] = receiver
        signal.connect(receiver, weak=False)
    try:
        yield sent
    finally:
        for signal, receiver in receivers.items():
            signal.disconnect(receiver)


@pytest.fixture
def course(db):
    return controls.create_course(COURSE, display_name="Workplace Safety")


@pytest.fixture
def learner(db):
    return controls.create_user("lena.learner", time_zone="Europe/Berlin")


@pytest.mark.django_db
class TestEnrollment:
    def test_enroll_sends_changed_then_created_like_the_lms(self, course, learner):
        with capture(COURSE_ENROLLMENT_CREATED, COURSE_ENROLLMENT_CHANGED) as sent:
            enrollment = CourseEnrollment.enroll(learner, COURSE_KEY, check_access=False)

        assert enrollment.is_active and CourseEnrollment.is_enrolled(learner, COURSE_KEY)
        # The LMS creates the row inactive, then activates it: one CHANGED, then CREATED.
        assert len(sent[COURSE_ENROLLMENT_CHANGED]) == 1
        [created] = sent[COURSE_ENROLLMENT_CREATED]
        assert created["enrollment"].user.id == learner.id
        assert created["enrollment"].course.course_key == COURSE_KEY
        assert created["enrollment"].course.display_name == "Workplace Safety"

    def test_enrolling_again_changes_nothing_but_sends_created_again(self, course, learner):
        CourseEnrollment.enroll(learner, COURSE_KEY)
        with capture(COURSE_ENROLLMENT_CREATED, COURSE_ENROLLMENT_CHANGED) as sent:
            CourseEnrollment.enroll(learner, COURSE_KEY)
        assert len(sent[COURSE_ENROLLMENT_CREATED]) == 1
        assert sent[COURSE_ENROLLMENT_CHANGED] == []

    def test_unenroll_and_reenroll(self, course, learner):
        CourseEnrollment.enroll(learner, COURSE_KEY)
        with capture(COURSE_UNENROLLMENT_COMPLETED, COURSE_ENROLLMENT_CHANGED) as sent:
            CourseEnrollment.unenroll(learner, COURSE_KEY)
        assert len(sent[COURSE_UNENROLLMENT_COMPLETED]) == 1
        assert sent[COURSE_ENROLLMENT_CHANGED][0]["enrollment"].is_active is False
        assert not CourseEnrollment.is_enrolled(learner, COURSE_KEY)
        assert CourseEnrollment.get_enrollment(learner, COURSE_KEY).is_active is False

        with capture(COURSE_ENROLLMENT_CREATED, COURSE_ENROLLMENT_CHANGED) as sent:
            CourseEnrollment.enroll(learner, COURSE_KEY)
        assert [e["enrollment"].is_active for e in sent[COURSE_ENROLLMENT_CHANGED]] == [True]
        assert len(sent[COURSE_ENROLLMENT_CREATED]) == 1
        assert CourseEnrollment.objects.filter(user=learner).count() == 1

    def test_unknown_course_enrolls_without_access_check_only(self, learner):
        from common.djangoapps.student.models import CourseEnrollmentException

        unknown = CourseKey.from_string("course-v1:Nobody+X1+2026")
        assert CourseEnrollment.enroll(learner, unknown).is_active
        with pytest.raises(CourseEnrollmentException):
            CourseEnrollment.enroll(learner, CourseKey.from_string("course-v1:Nobody+X2+2026"), check_access=True)


@pytest.mark.django_db
class TestGradesAndCertificates:
    def test_set_grade_sends_both_grade_events(self, course, learner):
        with capture(PERSISTENT_GRADE_SUMMARY_CHANGED, COURSE_PASSING_STATUS_UPDATED) as sent:
            controls.set_grade(learner, COURSE, percent=0.85, passed=True)

        [summary] = sent[PERSISTENT_GRADE_SUMMARY_CHANGED]
        assert summary["grade"].user_id == learner.id
        assert summary["grade"].course.course_key == COURSE_KEY
        assert summary["grade"].percent_grade == 0.85
        first_pass = summary["grade"].passed_timestamp
        assert first_pass is not None
        [status] = sent[COURSE_PASSING_STATUS_UPDATED]
        assert status["course_passing_status"].is_passing is True
        assert status["course_passing_status"].user.id == learner.id

        grade = CourseGradeFactory().read(learner, course_key=COURSE_KEY)
        assert grade.passed and grade.percent == 0.85

        # A later failing regrade sends both again; the first-pass time is kept, as in the LMS.
        with capture(PERSISTENT_GRADE_SUMMARY_CHANGED, COURSE_PASSING_STATUS_UPDATED) as sent:
            controls.set_grade(learner, COURSE, percent=0.2, passed=False)
        assert sent[PERSISTENT_GRADE_SUMMARY_CHANGED][0]["grade"].passed_timestamp == first_pass
        assert sent[COURSE_PASSING_STATUS_UPDATED][0]["course_passing_status"].is_passing is False

    def test_a_missing_grade_reads_as_zero(self, course, learner):
        grade = CourseGradeFactory().read(learner, course_key=COURSE_KEY)
        assert (grade.passed, grade.percent) == (False, 0)

    def test_issue_certificate_sends_certificate_created(self, course, learner):
        with capture(CERTIFICATE_CREATED) as sent:
            controls.issue_certificate(learner, COURSE)
        [event] = sent[CERTIFICATE_CREATED]
        assert event["certificate"].current_status == "downloadable"
        assert event["certificate"].user.id == learner.id


@pytest.mark.django_db
def test_complete_block_writes_a_new_block_completion_each_time(course, learner):
    first = controls.complete_block(learner, COURSE)
    second = controls.complete_block(learner, COURSE)

    assert first.block_key != second.block_key
    assert first.context_key == COURSE_KEY and first.completion == 1.0
    assert BlockCompletion.objects.filter(user=learner, context_key=COURSE_KEY).count() == 2


@pytest.mark.django_db(transaction=True)
def test_complete_block_survives_a_flushed_database(course, learner):
    # In a transactional test the waffle switch row may have been flushed: it is ensured again.
    controls.complete_block(learner, COURSE)
    assert BlockCompletion.objects.filter(user=learner).count() == 1


@pytest.mark.django_db
class TestPreferences:
    def test_a_user_reads_and_writes_their_own(self, learner):
        preferences.set_user_preference(learner, "mandatory_assignments_email_reminders", False)
        assert preferences.get_user_preference(learner, "mandatory_assignments_email_reminders") == "False"
        assert UserPreference.get_value(learner, "time_zone") == "Europe/Berlin"

    def test_staff_may_read_but_not_write_anothers(self, learner):
        staff = controls.create_user("sam.staff", is_staff=True)
        assert preferences.get_user_preference(staff, "time_zone", username=learner.username) == "Europe/Berlin"
        with pytest.raises(UserNotAuthorized):
            preferences.set_user_preference(staff, "time_zone", "UTC", username=learner.username)

    def test_others_may_neither_read_nor_write(self, learner):
        other = controls.create_user("oscar.other")
        with pytest.raises(UserNotAuthorized):
            preferences.get_user_preference(other, "time_zone", username=learner.username)
        with pytest.raises(UserNotAuthorized):
            preferences.delete_user_preference(other, "time_zone", username=learner.username)

    def test_time_zone_must_be_a_known_zone(self, learner):
        with pytest.raises(PreferenceValidationError):
            preferences.set_user_preference(learner, "time_zone", "Mars/Olympus_Mons")
        with pytest.raises(PreferenceValidationError):
            preferences.set_user_preference(learner, "time_zone", "")


@pytest.mark.django_db
def test_create_user_records_site_department_profile_and_time_zone():
    user = controls.create_user("jane.doe", site="acme.example.com", department="Sales", time_zone="Asia/Kolkata")

    profile = UserProfile.objects.get(user=user)
    assert profile.name == "Jane Doe"
    assert profile.get_meta()[settings.MANDATORY_ASSIGNMENTS_DEPARTMENT_FIELD] == "Sales"
    assert UserSignupSource.objects.filter(user=user, site="acme.example.com").exists()
    assert UserPreference.get_value(user, "time_zone") == "Asia/Kolkata"
    # Running it again changes nothing.
    controls.create_user("jane.doe", site="acme.example.com", department="Sales")
    assert UserSignupSource.objects.filter(user=user).count() == 1


@pytest.mark.django_db
def test_site_orgs_are_read_inside_an_emulated_request():
    controls.set_site_orgs("acme.example.com", ["AcmeX"], email_from_address="training@acme.example.com")
    site = controls.get_or_create_site("acme.example.com")

    assert configuration_helpers.get_current_site_orgs() is None  # no request, no site
    with emulate_http_request(site=site):
        assert configuration_helpers.get_current_site_orgs() == ["AcmeX"]
        assert configuration_helpers.get_value("email_from_address") == "training@acme.example.com"
    assert configuration_helpers.get_value_for_org("AcmeX", "email_from_address") == "training@acme.example.com"


@pytest.mark.django_db
def test_course_roles_and_has_access(course, learner):
    staff = controls.create_user("stan.staff")
    controls.make_course_staff(staff, COURSE)
    admin = controls.create_user("ada.admin", is_staff=True)

    assert has_access(staff, "staff", COURSE_KEY)
    assert not has_access(staff, "instructor", COURSE_KEY)
    assert has_access(admin, "instructor", course)
    assert not has_access(learner, "staff", COURSE_KEY)
    assert has_access(learner, "load", course)  # as in the LMS, "load" does not check enrollment
    # As in the LMS, a course id *string* is not a course: access is denied, even to global staff.
    assert not has_access(admin, "staff", COURSE)
    assert has_access(admin, "staff", "global")


@pytest.mark.django_db
def test_cohort_membership_sends_its_event(course, learner):
    with capture(COHORT_MEMBERSHIP_CHANGED) as sent:
        cohort = controls.create_cohort(COURSE, "Sales team", users=[learner])
    assert list(cohort.users.all()) == [learner]
    assert sent[COHORT_MEMBERSHIP_CHANGED][0]["cohort"].name == "Sales team"


@pytest.mark.django_db
def test_team_members_are_enrolled(course, learner):
    team = controls.create_team(COURSE, "Red team", users=[learner])
    assert list(team.users.all()) == [learner]
    assert CourseEnrollment.is_enrolled(learner, COURSE_KEY)


@pytest.mark.django_db
def test_course_reset_clears_progress_and_is_refused_to_a_passing_learner(course, learner):
    admin = controls.create_user("ada.admin", is_staff=True)
    enrollment = controls.enroll(learner, COURSE)
    opt_in = CourseResetCourseOptIn.objects.create(course_id=COURSE_KEY, active=True)
    controls.complete_block(learner, COURSE)
    controls.set_grade(learner, COURSE, percent=0.4, passed=False)

    assert can_enrollment_be_reset(enrollment) == (True, None)
    audit = CourseResetAudit.objects.create(course=opt_in, course_enrollment=enrollment, reset_by=admin)
    reset_student_course.delay(COURSE, learner.email, admin.email)

    audit.refresh_from_db()
    assert audit.status == CourseResetAudit.CourseResetStatus.COMPLETE and audit.completed_at
    assert not BlockCompletion.objects.filter(user=learner).exists()
    assert CourseGradeFactory().read(learner, course_key=COURSE_KEY).percent == 0
    # A completed reset is not repeated, and a passing learner is never reset.
    assert can_enrollment_be_reset(enrollment)[0] is False
    CourseResetAudit.objects.all().delete()
    controls.set_grade(learner, COURSE, percent=0.9, passed=True)
    assert can_enrollment_be_reset(enrollment) == (False, "Learner Has Passing Grade")


def test_plugin_is_wired_through_its_plugin_app_config():
    # Settings: the plugin's common settings ran (beat entry, ACE policy).
    assert "mandatory_assignments.tick" in settings.CELERYBEAT_SCHEDULE
    assert settings.CELERY_BEAT_SCHEDULE is settings.CELERYBEAT_SCHEDULE
    assert "mandatory_assignments.opt_out" in settings.ACE_ENABLED_POLICIES
    # URLs: the plugin's URL module, mounted at the root under its namespace, as the LMS mounts it.
    [mounted] = [p for p in get_resolver().url_patterns if getattr(p, "namespace", None) == "mandatory_assignments"]
    assert mounted.pattern.regex.pattern == "^"
    assert mounted.urlconf_module.__name__ == "mandatory_assignments.urls"
    # Signals: the receivers named by signal path are connected.
    assert COURSE_UNENROLLMENT_COMPLETED.has_listeners()
    assert USER_RETIRE_LMS_MISC.has_listeners()


@pytest.mark.django_db
def test_pages(client, course, learner):
    admin = controls.create_user("ada.admin", password="pw", is_staff=True)
    controls.enroll(learner, COURSE)
    assert client.get(reverse("home")).status_code == 200
    assert "Workplace Safety" in client.get(reverse("course_home", args=[COURSE])).content.decode()
    assert client.get(reverse("login")).status_code == 200

    client.force_login(admin)
    assert client.get(reverse("instructor_dashboard", args=[COURSE])).status_code == 200
    client.force_login(learner)
    assert client.get(reverse("courseware_unit", args=[COURSE])).status_code == 200
    assert client.get(reverse("instructor_dashboard", args=[COURSE])).status_code == 404


def test_database_url_of_the_demo_lies_in_the_repository():
    from sandbox.settings import REPO_ROOT, _database_from_url

    assert _database_from_url("sqlite:///var/demo.sqlite3")["NAME"] == str(REPO_ROOT / "var" / "demo.sqlite3")
    assert _database_from_url("sqlite:////tmp/elsewhere.sqlite3")["NAME"] == "/tmp/elsewhere.sqlite3"
    assert _database_from_url("sqlite://")["NAME"] == ":memory:"


@pytest.mark.django_db
def test_a_sandbox_database_file_is_written_ahead_so_other_processes_read_while_one_writes(tmp_path):
    """The demo's web server, tick and worker share one SQLite file: in WAL mode a reader never waits for a
    writer, and a commit is synced at checkpoints (it survives a killed process)."""
    from django.db.backends.sqlite3.base import DatabaseWrapper

    from sandbox.settings import _database_from_url

    entry = _database_from_url(f"sqlite:///{tmp_path}/demo.sqlite3")
    entry = {"OPTIONS": {}, "TIME_ZONE": None, "CONN_MAX_AGE": 0, "CONN_HEALTH_CHECKS": False, "AUTOCOMMIT": True,
             "ATOMIC_REQUESTS": False, **entry}
    writer = DatabaseWrapper(entry, alias="wal_writer")
    reader = DatabaseWrapper(entry, alias="wal_reader")
    try:
        with writer.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
            cursor.execute("PRAGMA synchronous")
            assert cursor.fetchone()[0] == 1  # NORMAL
            cursor.execute("CREATE TABLE t (n INTEGER)")
            cursor.execute("INSERT INTO t VALUES (1)")
            cursor.execute("BEGIN IMMEDIATE")
            cursor.execute("INSERT INTO t VALUES (2)")  # a write in progress, its lock held
            with reader.cursor() as other:
                other.execute("SELECT count(*) FROM t")  # would raise "database is locked" in rollback mode
                assert other.fetchone()[0] == 1
            cursor.execute("COMMIT")
    finally:
        writer.close()
        reader.close()
