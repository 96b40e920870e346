"""
Cohorts: named groups of learners of a course; a learner is in at most one cohort per course.
"""

from django.contrib.auth import get_user_model
from django.db import models, transaction
from opaque_keys.edx.django.models import CourseKeyField
from openedx_events.learning.data import CohortData, CourseData, UserData, UserPersonalData
from openedx_events.learning.signals import COHORT_MEMBERSHIP_CHANGED

User = get_user_model()


class CourseUserGroup(models.Model):
    """
    A group of users of a course; its only type here is the cohort.

    .. no_pii:
    """

    COHORT = "cohort"
    GROUP_TYPE_CHOICES = ((COHORT, "Cohort"),)

    name = models.CharField(max_length=255, help_text="What is the name of this group? Must be unique within a course.")
    users = models.ManyToManyField(User, db_index=True, related_name="course_groups", help_text="Who is in this group?")
    course_id = CourseKeyField(max_length=255, db_index=True, help_text="Which course is this group associated with?")
    group_type = models.CharField(max_length=20, choices=GROUP_TYPE_CHOICES)

    class Meta:
        app_label = "course_groups"
        unique_together = (("name", "course_id"),)

    def __str__(self):
        return self.name

    @classmethod
    def create(cls, name, course_id, group_type=COHORT):
        """``(group, created)`` for this name in the course."""
        return cls.objects.get_or_create(course_id=course_id, group_type=group_type, name=name)


class CourseCohort(models.Model):
    """
    How learners get into a cohort: assigned by staff ("manual") or at random ("random").

    .. no_pii:
    """

    RANDOM = "random"
    MANUAL = "manual"
    ASSIGNMENT_TYPE_CHOICES = ((RANDOM, "Random"), (MANUAL, "Manual"))

    course_user_group = models.OneToOneField(
        CourseUserGroup, unique=True, related_name="cohort", on_delete=models.CASCADE
    )
    assignment_type = models.CharField(max_length=20, choices=ASSIGNMENT_TYPE_CHOICES, default=MANUAL)

    class Meta:
        app_label = "course_groups"

    def __str__(self):
        return f"{self.course_user_group} ({self.assignment_type})"

    @classmethod
    def create(cls, cohort_name=None, course_id=None, course_user_group=None, assignment_type=MANUAL):
        """The cohort settings of a (new or existing) cohort."""
        if course_user_group is None:
            course_user_group, __ = CourseUserGroup.create(cohort_name, course_id)
        course_cohort, __ = cls.objects.get_or_create(
            course_user_group=course_user_group, defaults={"assignment_type": assignment_type}
        )
        return course_cohort


class CourseCohortsSettings(models.Model):
    """
    Whether a course is cohorted.

    .. no_pii:
    """

    is_cohorted = models.BooleanField(default=False)
    course_id = CourseKeyField(unique=True, max_length=255, db_index=True)

    class Meta:
        app_label = "course_groups"

    def __str__(self):
        return f"{self.course_id}: cohorted={self.is_cohorted}"


class CohortMembership(models.Model):
    """
    A learner's (single) cohort in a course. Saving it sends ``COHORT_MEMBERSHIP_CHANGED``.

    .. no_pii:
    """

    course_user_group = models.ForeignKey(CourseUserGroup, on_delete=models.CASCADE)
    user = models.ForeignKey(User, on_delete=models.CASCADE)
    course_id = CourseKeyField(max_length=255)

    class Meta:
        app_label = "course_groups"
        unique_together = (("user", "course_id"),)

    def __str__(self):
        return f"{self.user_id} in {self.course_user_group_id}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        user = self.user
        COHORT_MEMBERSHIP_CHANGED.send_event(
            cohort=CohortData(
                user=UserData(
                    pii=UserPersonalData(username=user.username, email=user.email, name=user.profile.name),
                    id=user.id,
                    is_active=user.is_active,
                ),
                course=CourseData(course_key=self.course_id),
                name=self.course_user_group.name,
            )
        )

    @classmethod
    def assign(cls, cohort, user):
        """Put ``user`` in ``cohort``; returns ``(membership, previous_cohort or None)``."""
        with transaction.atomic():
            membership, created = cls.objects.select_for_update().get_or_create(
                user=user, course_id=cohort.course_id, defaults={"course_user_group": cohort}
            )
            if created:
                cohort.users.add(user)
                return membership, None
            if membership.course_user_group_id == cohort.id:
                raise ValueError(f"User {user.username} already present in cohort {cohort.name}")
            previous_cohort = membership.course_user_group
            previous_cohort.users.remove(user)
            membership.course_user_group = cohort
            membership.save()
            cohort.users.add(user)
            return membership, previous_cohort
