"""
The only module that imports Open edX platform code.

One small function per platform call, each importing inside itself, so that the plugin loads (and its
pure modules test) without the platform, and so that every platform name the plugin relies on is
listed here, in one place, to check against the platform's source.
"""

import contextlib
import logging

from django.db import transaction
from django.utils.translation import gettext_noop

log = logging.getLogger(__name__)

TIME_ZONE_PREFERENCE = "time_zone"


class EnrollmentError(Exception):
    """The platform refused an enrollment."""


# Enrollment ---------------------------------------------------------------------------------------


def enroll(user, course_key):
    """
    Make sure ``user`` is enrolled, whatever the enrollment window (the assigner decides), without ever
    changing the mode of an existing enrollment. Returns the enrollment.

    The platform's ``enroll`` without ``mode`` applies the course's default mode (audit) also to someone
    already enrolled, moving a verified or professional learner to audit (with a regrade). So: an active
    enrollment is left alone (no call, no events); an inactive one is re-activated in its own mode, as the
    instructor dashboard's enrollment does; only a new enrollment takes the course's default mode.
    """
    from common.djangoapps.student.models import CourseEnrollment, CourseEnrollmentException

    # Read from the database, not the platform's per-request enrollment cache (a worker reuses it).
    enrollment = CourseEnrollment.objects.filter(user=user, course_id=course_key).first()
    if enrollment is not None and enrollment.is_active:
        return enrollment
    mode = enrollment.mode if enrollment is not None else None
    try:
        return CourseEnrollment.enroll(user, course_key, mode=mode, check_access=False)
    except CourseEnrollmentException as exc:
        raise EnrollmentError(str(exc) or exc.__class__.__name__) from exc


def is_enrolled(user, course_key):
    from common.djangoapps.student.models import CourseEnrollment

    return CourseEnrollment.is_enrolled(user, course_key)


def enrolled_course_keys(user_ids, course_keys):
    """``{(user_id, course_key_string)}`` for active enrollments of these users in these courses."""
    from common.djangoapps.student.models import CourseEnrollment

    rows = CourseEnrollment.objects.filter(user_id__in=user_ids, course_id__in=course_keys, is_active=True)
    return {(user_id, str(course_id)) for user_id, course_id in rows.values_list("user_id", "course_id")}


# Courses ------------------------------------------------------------------------------------------


def get_course_overview(course_key):
    from openedx.core.djangoapps.content.course_overviews.models import CourseOverview

    try:
        return CourseOverview.get_from_id(course_key)
    except CourseOverview.DoesNotExist:
        return None


# Grades -------------------------------------------------------------------------------------------


def passing_user_ids(user_ids, course_key):
    """
    The ids among ``user_ids`` whose stored course grade passes, in one query. The platform reads a
    persisted grade as passing when it has a letter grade (``CourseGradeFactory``'s read of
    ``PersistentCourseGrade``); it never computes one here.
    """
    from lms.djangoapps.grades.models import PersistentCourseGrade

    rows = PersistentCourseGrade.objects.filter(course_id=course_key, user_id__in=list(user_ids)).exclude(
        letter_grade=""
    )
    return set(rows.values_list("user_id", flat=True))


def certified_user_ids(user_ids, course_key):
    """
    The ids among ``user_ids`` with a downloadable certificate in the course, in one query: a pass
    the platform certified (``CERTIFICATE_CREATED`` with that status is completion evidence, SPEC §2).
    """
    from lms.djangoapps.certificates.data import CertificateStatuses
    from lms.djangoapps.certificates.models import GeneratedCertificate

    rows = GeneratedCertificate.objects.filter(
        course_id=course_key, user_id__in=list(user_ids), status=CertificateStatuses.downloadable
    )
    return set(rows.values_list("user_id", flat=True))


# Users, profiles and preferences ------------------------------------------------------------------


def get_user_preference(user, key):
    """A preference of ``user``, read in the background (no request user needed)."""
    from openedx.core.djangoapps.user_api.models import UserPreference

    return UserPreference.get_value(user, key)


def get_preference_for_users(user_ids, key):
    """``{user_id: value}`` of one preference for many users, in one query."""
    from openedx.core.djangoapps.user_api.models import UserPreference

    rows = UserPreference.get_preference_for_users(list(user_ids), key)
    return dict(rows.values_list("user_id", "value"))


def preference_subquery(key, user_id_field="user_id"):
    """One platform preference of the person, as a subquery on the outer ``user_id_field`` (``None`` when unset)."""
    from django.db.models import OuterRef, Subquery
    from openedx.core.djangoapps.user_api.models import UserPreference

    return Subquery(UserPreference.objects.filter(user_id=OuterRef(user_id_field), key=key).values("value")[:1])


def set_user_preference(requesting_user, key, value, username=None):
    """Set a preference through the platform API (it checks who may change it)."""
    from openedx.core.djangoapps.user_api.preferences.api import set_user_preference as platform_set

    platform_set(requesting_user, key, value, username=username)


def iter_profile_meta(user_ids=None, contains=None):
    """``(user_id, meta_json_text)`` of all profiles (or of ``user_ids``) whose meta contains ``contains``."""
    from common.djangoapps.student.models import UserProfile

    rows = UserProfile.objects.all()
    if user_ids is not None:
        rows = rows.filter(user_id__in=list(user_ids))
    if contains:
        rows = rows.filter(meta__contains=contains)
    return rows.values_list("user_id", "meta").iterator(chunk_size=2000)


def get_profile_names(user_ids):
    from common.djangoapps.student.models import UserProfile

    return dict(UserProfile.objects.filter(user_id__in=list(user_ids)).values_list("user_id", "name"))


# Companies (sites) --------------------------------------------------------------------------------


def get_signup_sites(user_ids):
    """
    ``{user_id: domain}``: the company (site) the platform recorded for each user, from
    ``UserSignupSource`` (tenant plugins) or else the ``created_on_site`` user attribute.
    """
    from common.djangoapps.student.models import UserAttribute, UserSignupSource

    user_ids = list(user_ids)
    sites = dict(
        UserAttribute.objects.filter(user_id__in=user_ids, name="created_on_site").values_list("user_id", "value")
    )
    sites.update(dict(UserSignupSource.objects.filter(user_id__in=user_ids).values_list("user_id", "site")))
    return sites


def default_site_domain():
    """The domain of the default site (``SITE_ID``): people with no recorded site belong to it."""
    from django.contrib.sites.models import Site

    return Site.objects.get_current().domain


def site_member_filter(domain, *, default_domain, field="pk"):
    """
    A ``Q`` on users (``field`` names the user id, e.g. ``"user_id"``) that keeps the people of the site
    ``domain``, as subqueries (nothing is loaded). The platform records ``created_on_site`` only for sites
    other than the default one: on the default site, everyone recorded for no other site belongs.
    """
    from common.djangoapps.student.models import UserAttribute, UserSignupSource
    from django.db.models import Q

    sources = UserSignupSource.objects.values("user_id")
    attributes = UserAttribute.objects.filter(name="created_on_site").values("user_id")
    if domain == default_domain:
        return ~Q(**{f"{field}__in": sources.exclude(site=domain)}) & ~Q(
            **{f"{field}__in": attributes.exclude(value=domain)}
        )
    return Q(**{f"{field}__in": sources.filter(site=domain)}) | Q(**{f"{field}__in": attributes.filter(value=domain)})


def get_site_course_orgs(domain):
    """The orgs (``course_org_filter``) of the site ``domain``; empty when it restricts no course."""
    from openedx.core.djangoapps.site_configuration.models import SiteConfiguration

    configuration = SiteConfiguration.objects.filter(site__domain=domain, enabled=True).first()
    if configuration is None:
        return []
    orgs = configuration.get_value("course_org_filter", [])
    return [orgs] if isinstance(orgs, str) else list(orgs or [])


# Permissions --------------------------------------------------------------------------------------


def is_global_staff(user):
    from common.djangoapps.student.roles import GlobalStaff

    return bool(user and user.is_authenticated and GlobalStaff().has_user(user))


def has_course_staff_access(user, course_key):
    """Course staff, instructors and global staff; fails closed."""
    from lms.djangoapps.courseware.access import has_access
    from opaque_keys.edx.keys import CourseKey

    if not (user and user.is_authenticated):
        return False
    if isinstance(course_key, str):
        course_key = CourseKey.from_string(course_key)
    return bool(has_access(user, "staff", course_key))


# Cohorts and teams --------------------------------------------------------------------------------


def get_course_cohorts(course_key):
    from openedx.core.djangoapps.course_groups.cohorts import get_course_cohorts as platform_cohorts

    return list(platform_cohorts(course_id=course_key))


def get_cohort_member_ids(course_key, cohort_id):
    """The user ids of a cohort of the course; ``None`` when the course has no such cohort."""
    from django.core.exceptions import ObjectDoesNotExist
    from openedx.core.djangoapps.course_groups.cohorts import get_cohort_by_id

    try:
        cohort = get_cohort_by_id(course_key, cohort_id)
    except ObjectDoesNotExist:
        return None
    return list(cohort.users.values_list("id", flat=True))


def get_course_teams(course_key):
    from lms.djangoapps.teams.models import CourseTeam

    return list(CourseTeam.objects.filter(course_id=course_key).order_by("name"))


def get_team_member_ids(course_key, team_id):
    """The user ids of a team of the course; ``None`` when the course has no such team."""
    from lms.djangoapps.teams.models import CourseTeam, CourseTeamMembership

    if not CourseTeam.objects.filter(course_id=course_key, team_id=team_id).exists():
        return None
    return list(
        CourseTeamMembership.objects.filter(team__course_id=course_key, team__team_id=team_id).values_list(
            "user_id", flat=True
        )
    )


def cohort_sizes(course_key, members=None):
    """
    ``[(id, name, size)]`` of the course's cohorts in one query; ``members`` (a ``Q`` on ``users``) limits
    whom the size counts.
    """
    from django.db.models import Count
    from openedx.core.djangoapps.course_groups.models import CourseUserGroup

    rows = CourseUserGroup.objects.filter(course_id=course_key, group_type=CourseUserGroup.COHORT)
    rows = rows.annotate(size=Count("users", filter=members, distinct=True)).order_by("name")
    return list(rows.values_list("id", "name", "size"))


def team_sizes(course_key, members=None):
    """``[(team_id, name, size)]`` of the course's teams in one query (``members``: a ``Q`` on ``users``)."""
    from django.db.models import Count
    from lms.djangoapps.teams.models import CourseTeam

    rows = CourseTeam.objects.filter(course_id=course_key)
    rows = rows.annotate(size=Count("users", filter=members, distinct=True)).order_by("name")
    return list(rows.values_list("team_id", "name", "size"))


# Messaging and background work --------------------------------------------------------------------


def base_message_type():
    """The platform's ACE message base class (it sets the site's from-address)."""
    from openedx.core.djangoapps.ace_common.message import BaseMessageType

    return BaseMessageType


def get_base_template_context(site):
    from openedx.core.djangoapps.ace_common.template_context import get_base_template_context as platform_context

    return platform_context(site)


def emulate_http_request(site=None, user=None):
    """Run site-dependent work (emails, URLs) as if inside a request to ``site``."""
    from openedx.core.lib.celery.task_utils import emulate_http_request as platform_emulate

    return platform_emulate(site=site, user=user)


@contextlib.contextmanager
def outside_request():
    """
    Run the block as if no web request were current. The platform's ``emulate_http_request`` reuses the
    current request and sets its user to the email's recipient (then clears it): emails sent from inside
    a request (Celery eager, a direct call) would leave that request acting as the learner.
    """
    import crum

    request = crum.get_current_request()
    request_user = getattr(request, "user", None)
    crum.set_current_request(None)
    try:
        yield
    finally:
        crum.set_current_request(request)
        if request is not None and request_user is not None:
            request.user = request_user


def get_site_by_domain(domain):
    from django.contrib.sites.models import Site

    if not domain:
        return Site.objects.get_current()
    return Site.objects.filter(domain=domain).first() or Site.objects.get_current()


# Course reset (for a new cycle) --------------------------------------------------------------------


def request_course_reset(user, course_key, reset_by):
    """
    Ask the platform to reset ``user``'s progress in the course, the way the support tool does.

    Returns ``(True, "")`` when a reset was queued, or ``(False, reason)`` when the platform offers none
    for this course or enrollment (course not opted in, not enrolled, or the platform refuses: it never
    resets a learner who holds a passing grade).
    """
    from common.djangoapps.student.models import CourseEnrollment
    from lms.djangoapps.support.models import CourseResetAudit, CourseResetCourseOptIn
    from lms.djangoapps.support.tasks import reset_student_course
    from lms.djangoapps.support.views.course_reset import can_enrollment_be_reset

    opt_in = CourseResetCourseOptIn.objects.filter(course_id=course_key, active=True).first()
    if opt_in is None:
        return False, gettext_noop("course not opted in to course reset")
    enrollment = CourseEnrollment.get_enrollment(user, course_key)
    if enrollment is None or not enrollment.is_active:
        return False, gettext_noop("not enrolled")
    allowed, message = can_enrollment_be_reset(enrollment)
    if not allowed:
        return False, message or gettext_noop("refused by the platform")
    CourseResetAudit.objects.create(course=opt_in, course_enrollment=enrollment, reset_by=reset_by)
    # The task reads the audit row: queue it once the row is committed.
    transaction.on_commit(lambda: reset_student_course.delay(str(course_key), user.email, reset_by.email))
    return True, ""


# --- added for the REST API and listings (filters, search, sorting, export)


def profile_name_subquery(user_id_field="user_id"):
    """The person's full name from their platform profile, as a subquery on the outer ``user_id_field``."""
    from common.djangoapps.student.models import UserProfile
    from django.db.models import OuterRef, Subquery

    return Subquery(UserProfile.objects.filter(user_id=OuterRef(user_id_field)).values("name")[:1])


def profile_name_field(user_field="user"):
    """
    The person's profile name through ``user_field`` (the platform's ``UserProfile`` is ``user.profile``), as
    an expression: a join, not a subquery a row (``None`` when the person has no profile).
    """
    from django.db.models import F

    return F(f"{user_field}__profile__name")


def user_ids_with_name_containing(text):
    """A subquery of the ids of the users whose profile name contains ``text`` (case-insensitive)."""
    from common.djangoapps.student.models import UserProfile

    return UserProfile.objects.filter(name__icontains=text).values("user_id")


def course_name_subquery(key_field="target_key"):
    """The course's display name, as a subquery on the outer ``key_field`` (a course key string)."""
    from django.db.models import OuterRef, Subquery
    from openedx.core.djangoapps.content.course_overviews.models import CourseOverview

    return Subquery(CourseOverview.objects.filter(id=OuterRef(key_field)).values("display_name")[:1])


def course_keys_with_name_containing(text):
    """A subquery of the keys of the courses whose display name contains ``text`` (case-insensitive)."""
    from openedx.core.djangoapps.content.course_overviews.models import CourseOverview

    return CourseOverview.objects.filter(display_name__icontains=text).values("id")


# --- added for staff pages


def list_courses(orgs=None):
    """``[(course_key_string, display_name, org)]`` of the platform's courses (of ``orgs`` when given), by name."""
    from openedx.core.djangoapps.content.course_overviews.models import CourseOverview

    rows = CourseOverview.objects.all()
    if orgs:
        rows = rows.filter(org__in=list(orgs))
    return [
        (str(key), name or str(key), org)
        for key, name, org in rows.order_by("display_name", "id").values_list("id", "display_name", "org")
    ]


# --- added for the learner pages and the calendar (issue 8)


def get_course_overviews(course_keys):
    """``{course_key_string: CourseOverview}`` of the courses that exist among ``course_keys``, in one query."""
    from openedx.core.djangoapps.content.course_overviews.models import CourseOverview

    return {str(overview.id): overview for overview in CourseOverview.objects.filter(id__in=list(course_keys))}


def delete_user_preference(requesting_user, key):
    """Delete one of ``requesting_user``'s own preferences through the platform API; False if there was none."""
    from openedx.core.djangoapps.user_api.preferences.api import delete_user_preference as platform_delete

    return bool(platform_delete(requesting_user, key))


def get_active_user_by_preference(key, value):
    """The active user whose preference ``key`` has exactly ``value`` (e.g. a secret token), or ``None``."""
    from openedx.core.djangoapps.user_api.models import UserPreference

    if not value:
        return None
    row = UserPreference.objects.filter(key=key, value=value, user__is_active=True).select_related("user").first()
    return row.user if row is not None else None


# --- added for bulk enrollment (issue 10)


def enrollment_states(user_ids, course_keys):
    """
    ``{(user_id, course_key_string): (is_active, mode)}`` of these people's enrollments in these courses,
    active or not, in one query: what :func:`enroll_known` needs to know about each of them.
    """
    from common.djangoapps.student.models import CourseEnrollment

    rows = CourseEnrollment.objects.filter(user_id__in=list(user_ids), course_id__in=list(course_keys))
    return {
        (user_id, str(course_id)): (is_active, mode)
        for user_id, course_id, is_active, mode in rows.values_list("user_id", "course_id", "is_active", "mode")
    }


def enroll_known(user, course_key, state):
    """
    :func:`enroll` for a caller that read the enrollment's ``state`` (``(is_active, mode)``, or ``None``
    for none) with :func:`enrollment_states` for a whole chunk of people in the same transaction: the same
    rules (an active enrollment is left alone, an inactive one re-activated in its own mode), without a
    read per person. Returns the enrollment, or ``None`` when it was left alone.
    """
    from common.djangoapps.student.models import CourseEnrollment, CourseEnrollmentException

    if state is not None and state[0]:
        return None
    mode = state[1] if state is not None else None
    try:
        return CourseEnrollment.enroll(user, course_key, mode=mode, check_access=False)
    except CourseEnrollmentException as exc:
        raise EnrollmentError(str(exc) or exc.__class__.__name__) from exc
