"""
Drive the simulated LMS: create people, courses, groups and learning paths, and make learners progress,
pass and earn certificates. Everything goes through the simulated platform's own code paths, so the
same openedx-events and Django signals fire as in the LMS.

Used by the demo's ``seed_demo`` command, by tests and by anyone exploring in ``manage.py shell``.
"""

from common.djangoapps.course_modes.models import CourseMode
from common.djangoapps.student.models import CourseEnrollment, UserProfile, UserSignupSource
from common.djangoapps.student.roles import CourseInstructorRole, CourseStaffRole
from completion.models import BlockCompletion
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sites.models import Site
from django.db import transaction
from lms.djangoapps.certificates.data import CertificateStatuses
from lms.djangoapps.certificates.models import GeneratedCertificate
from lms.djangoapps.grades.course_grade_factory import persist_course_grade
from lms.djangoapps.teams.models import CourseTeam
from opaque_keys.edx.keys import CourseKey
from openedx.core.djangoapps.content.course_overviews.models import CourseOverview
from openedx.core.djangoapps.course_groups import cohorts
from openedx.core.djangoapps.course_groups.models import CourseCohort, CourseUserGroup
from openedx.core.djangoapps.site_configuration.models import SiteConfiguration
from openedx.core.djangoapps.user_api.preferences.api import set_user_preference

from sandbox.apps import ensure_completion_tracking

User = get_user_model()


# People -------------------------------------------------------------------------------------------


def create_user(
    username,
    *,
    email=None,
    password=None,
    time_zone=None,
    site=None,
    department=None,
    managers=(),
    is_staff=False,
):
    """
    Create (or update) a user with a profile, as the LMS's registration does.

    ``time_zone``: their ``time_zone`` preference; ``site``: the domain of the company they signed up on
    (``UserSignupSource``; the Site is created if missing); ``department``: the extended-profile field named
    by ``MANDATORY_ASSIGNMENTS_DEPARTMENT_FIELD``; ``managers``: set through the plugin's API.
    """
    user, created = User.objects.get_or_create(
        username=username, defaults={"email": email or f"{username}@example.com"}
    )
    if email:
        user.email = email
    user.first_name, user.last_name = _readable_name(username)
    user.is_staff = is_staff
    if password:
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    user.save()

    profile, __ = UserProfile.objects.get_or_create(user=user)
    profile.name = user.get_full_name()
    if department is not None:
        meta = profile.get_meta()
        meta[_department_field()] = department
        profile.set_meta(meta)
    profile.save()

    if time_zone:
        set_user_preference(user, "time_zone", time_zone)
    if site:
        get_or_create_site(site)
        UserSignupSource.objects.get_or_create(user=user, site=site)
    if managers:
        from mandatory_assignments.api import set_managers

        set_managers(user, list(managers))
    return user


def get_or_create_site(domain):
    """The Site of ``domain``, created (without configuration) if missing."""
    site, __ = Site.objects.get_or_create(domain=domain, defaults={"name": domain})
    return site


def set_site_orgs(domain, orgs, **values):
    """Give the site a configuration whose ``course_org_filter`` is ``orgs`` (plus any other ``values``)."""
    site = get_or_create_site(domain)
    configuration, __ = SiteConfiguration.objects.get_or_create(site=site, defaults={"enabled": True})
    configuration.enabled = True
    configuration.site_values = {**configuration.site_values, "course_org_filter": list(orgs), **values}
    configuration.save()
    return configuration


# Courses and groups -------------------------------------------------------------------------------


def create_course(course_key, *, display_name):
    """Create (or rename) a course run; its org comes from the key."""
    course_key = _course_key(course_key)
    overview, __ = CourseOverview.objects.update_or_create(
        id=course_key, defaults={"display_name": display_name, "org": course_key.org}
    )
    return overview


def add_course_modes(course_key, *mode_slugs):
    """
    Offer the modes ``mode_slugs`` (e.g. "audit", "verified", "honor", "professional") in the course, as
    course staff set them up in the LMS. A course without any mode offers the default one (audit).
    Returns the course's ``CourseMode`` rows.
    """
    course_key = _course_key(course_key)
    for slug in mode_slugs:
        CourseMode.objects.get_or_create(
            course_id=course_key, mode_slug=slug, currency="usd", defaults={"mode_display_name": slug.title()}
        )
    return list(CourseMode.objects.filter(course_id=course_key))


def make_course_staff(user, course_key, role="staff"):
    """Give ``user`` the course's "staff" or "instructor" role."""
    roles = {"staff": CourseStaffRole, "instructor": CourseInstructorRole}
    if role not in roles:
        raise ValueError(f"role must be one of {sorted(roles)}")
    roles[role](_course_key(course_key)).add_users(user)


def enroll(user, course_key, mode="audit"):
    """
    Enroll ``user`` in ``mode`` as the LMS does (filters and events included): e.g. ``mode="verified"`` for
    a learner who paid for the verified track. ``mode=None`` is the course's default mode.
    """
    return CourseEnrollment.enroll(user, _course_key(course_key), mode=mode)


def unenroll(user, course_key):
    CourseEnrollment.unenroll(user, _course_key(course_key))


def create_cohort(course_key, name, users=()):
    """A manual cohort of the (now cohorted) course with ``users`` in it; existing members are kept."""
    course_key = _course_key(course_key)
    cohorts.set_course_cohorted(course_key, True)
    cohort = CourseCohort.create(cohort_name=name, course_id=course_key).course_user_group
    for user in users:
        if not cohort.users.filter(pk=user.pk).exists():
            cohorts.add_user_to_cohort(cohort, user)
    return CourseUserGroup.objects.get(pk=cohort.pk)


def create_team(course_key, name, users=(), teamset="default"):
    """
    A team of the course's teamset with ``users`` on it. The LMS only puts enrolled learners on teams:
    members not yet enrolled are enrolled first.
    """
    course_key = _course_key(course_key)
    team = CourseTeam.objects.filter(course_id=course_key, topic_id=teamset, name=name).first()
    if team is None:
        team = CourseTeam.create(name=name, course_id=course_key, description=name, topic_id=teamset)
        team.save()
    for user in users:
        if team.membership.filter(user=user).exists():
            continue
        if not CourseEnrollment.is_enrolled(user, course_key):
            CourseEnrollment.enroll(user, course_key)
        team.add_user(user)
    return team


def create_learning_path(path_key, *, display_name, course_keys):
    """A learning path (learning-paths-plugin) whose steps are ``course_keys``, in order."""
    from learning_paths.models import LearningPath, LearningPathStep

    path, __ = LearningPath.objects.update_or_create(key=path_key, defaults={"display_name": display_name})
    path.steps.exclude(course_key__in=[_course_key(key) for key in course_keys]).delete()
    for order, course_key in enumerate(course_keys, start=1):
        LearningPathStep.objects.update_or_create(
            learning_path=path, course_key=_course_key(course_key), defaults={"order": order}
        )
    return path


# Progress -----------------------------------------------------------------------------------------


def complete_block(user, course_key):
    """
    Complete one more block of the course for ``user``: a real ``BlockCompletion``, written through
    edx-completion as the LMS writes it. Each call completes a new block.
    """
    course_key = _course_key(course_key)
    ensure_completion_tracking()
    completed = BlockCompletion.objects.filter(user=user, context_key=course_key)
    number = completed.count() + 1
    while completed.filter(block_key=course_key.make_usage_key("html", f"sandbox-block-{number}")).exists():
        number += 1
    block_key = course_key.make_usage_key("html", f"sandbox-block-{number}")
    completion, __ = BlockCompletion.objects.submit_completion(user=user, block_key=block_key, completion=1.0)
    return completion


def set_grade(user, course_key, *, percent, passed):
    """
    Persist a computed course grade (``percent`` a 0–1 fraction) as the LMS's grade update does:
    ``PERSISTENT_GRADE_SUMMARY_CHANGED``, then ``COURSE_PASSING_STATUS_UPDATED`` (is_passing = passed).
    """
    with transaction.atomic():
        return persist_course_grade(user, _course_key(course_key), percent, passed)


def issue_certificate(user, course_key, mode="honor"):
    """Create or update the learner's certificate as downloadable: ``CERTIFICATE_CREATED`` is sent."""
    course_key = _course_key(course_key)
    certificate = GeneratedCertificate.objects.filter(user=user, course_id=course_key).first()
    if certificate is None:
        certificate = GeneratedCertificate(user=user, course_id=course_key)
    certificate.status = CertificateStatuses.downloadable
    certificate.mode = mode
    certificate.name = user.profile.name
    certificate.download_url = f"{settings.LMS_ROOT_URL}/certificates/{user.id}/{course_key}"[:128]
    certificate.save()
    return certificate


# Helpers ------------------------------------------------------------------------------------------


def _course_key(course_key):
    return course_key if isinstance(course_key, CourseKey) else CourseKey.from_string(str(course_key))


def _department_field():
    return getattr(settings, "MANDATORY_ASSIGNMENTS_DEPARTMENT_FIELD", "department")


def _readable_name(username):
    """("Jane", "Doe") from "jane.doe" or "jane_doe"; ("Staff", "Acme") from "staff_acme"."""
    parts = [part for part in username.replace(".", " ").replace("_", " ").replace("-", " ").split() if part]
    parts = [part.capitalize() for part in parts] or [username]
    return parts[0], " ".join(parts[1:])
