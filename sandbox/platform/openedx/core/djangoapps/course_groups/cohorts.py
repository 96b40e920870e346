"""
The cohorts API of the platform (reduced): list, find and fill cohorts.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q

from .models import CohortMembership, CourseCohort, CourseCohortsSettings, CourseUserGroup

User = get_user_model()

DEFAULT_COHORT_NAME = "Default Group"


def is_course_cohorted(course_key):
    """True if the course has cohorts turned on."""
    return CourseCohortsSettings.objects.filter(course_id=course_key, is_cohorted=True).exists()


def set_course_cohorted(course_key, cohorted):
    """Turn the course's cohorts on or off."""
    CourseCohortsSettings.objects.update_or_create(course_id=course_key, defaults={"is_cohorted": cohorted})


def get_course_cohorts(course=None, course_id=None, assignment_type=None, ordering="asc"):
    """The cohorts of a course (``course`` object or ``course_id``), by name."""
    assert bool(course) ^ bool(course_id), "exactly one of course and course_id"
    course_id = course_id or course.id
    query = CourseUserGroup.objects.filter(course_id=course_id, group_type=CourseUserGroup.COHORT)
    if assignment_type:
        query = query.filter(cohort__assignment_type=assignment_type)
    return list(query.order_by("-name" if ordering == "desc" else "name"))


def get_cohort_by_id(course_key, cohort_id):
    """The cohort with this id in the course; raises ``CourseUserGroup.DoesNotExist``."""
    return CourseUserGroup.objects.get(course_id=course_key, group_type=CourseUserGroup.COHORT, id=cohort_id)


def get_cohort_by_name(course_key, name):
    """The cohort with this name in the course; raises ``CourseUserGroup.DoesNotExist``."""
    return CourseUserGroup.objects.get(course_id=course_key, group_type=CourseUserGroup.COHORT, name=name)


def add_cohort(course_key, name, assignment_type):
    """Create a cohort; raises ``ValueError`` if the course already has one of that name."""
    if CourseUserGroup.objects.filter(course_id=course_key, group_type=CourseUserGroup.COHORT, name=name).exists():
        raise ValueError(f"You cannot create two cohorts with the same name: {name}")
    course_cohort = CourseCohort.create(cohort_name=name, course_id=course_key, assignment_type=assignment_type)
    return course_cohort.course_user_group


def get_cohort(user, course_key, assign=True, use_cached=False):
    """
    The user's cohort in the course, or None. With ``assign`` (the default, as in the platform), a learner
    of a cohorted course without one is put in the default cohort.
    """
    if user is None or user.is_anonymous:
        return None
    membership = (
        CohortMembership.objects.filter(user=user, course_id=course_key).select_related("course_user_group").first()
    )
    if membership is not None:
        return membership.course_user_group
    if not assign or not is_course_cohorted(course_key):
        return None
    cohort = CourseCohort.create(
        cohort_name=DEFAULT_COHORT_NAME, course_id=course_key, assignment_type=CourseCohort.RANDOM
    ).course_user_group
    CohortMembership.assign(cohort, user)
    return cohort


def add_user_to_cohort(cohort, username_or_email_or_user):
    """
    Put a user (object, username or email) in ``cohort``.

    Returns ``(user, previous_cohort_name or None, preassigned)``; raises ``User.DoesNotExist`` for an
    unknown person and ``ValueError`` if they are already in that cohort.
    """
    if isinstance(username_or_email_or_user, User):
        user = username_or_email_or_user
    else:
        value = username_or_email_or_user.strip()
        user = User.objects.get(Q(username=value) | Q(email=value))
    __, previous_cohort = CohortMembership.assign(cohort, user)
    return user, previous_cohort.name if previous_cohort else None, False
