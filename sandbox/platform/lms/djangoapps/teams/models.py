"""
Course teams: groups of enrolled learners within a teamset (``topic_id``) of a course.
"""

from uuid import uuid4

from common.djangoapps.student.models import CourseEnrollment
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from django.utils.text import slugify
from opaque_keys.edx.django.models import CourseKeyField

from .errors import AlreadyOnTeamInTeamset, NotEnrolledInCourseForTeam

User = get_user_model()


class CourseTeam(models.Model):
    """
    A team of a course.

    .. no_pii:
    """

    team_id = models.SlugField(max_length=255, unique=True)
    discussion_topic_id = models.SlugField(max_length=255, unique=True)
    name = models.CharField(max_length=255, db_index=True)
    course_id = CourseKeyField(max_length=255, db_index=True)
    topic_id = models.CharField(default="", max_length=255, db_index=True, blank=True)
    date_created = models.DateTimeField(auto_now_add=True)
    description = models.CharField(max_length=300)
    country = models.CharField(max_length=2, blank=True, default="")
    language = models.CharField(max_length=16, blank=True, default="")
    organization_protected = models.BooleanField(default=False)
    last_activity_at = models.DateTimeField(db_index=True)
    users = models.ManyToManyField(User, db_index=True, related_name="teams", through="CourseTeamMembership")
    team_size = models.IntegerField(default=0, db_index=True)

    class Meta:
        app_label = "teams"

    def __str__(self):
        return f"{self.name} in {self.course_id}"

    @classmethod
    def create(cls, name, course_id, description, topic_id="", country="", language="", organization_protected=False):
        """A new, unsaved team with a unique ``team_id`` made from its name."""
        unique_id = uuid4().hex
        return cls(
            team_id=f"{slugify(name)[:200]}-{unique_id}",
            discussion_topic_id=unique_id,
            name=name,
            course_id=course_id,
            topic_id=topic_id,
            description=description,
            country=country,
            language=language,
            organization_protected=organization_protected,
            last_activity_at=timezone.now(),
        )

    def add_user(self, user):
        """Add an enrolled learner who is on no other team of this teamset; returns the membership."""
        if not CourseEnrollment.is_enrolled(user, self.course_id):
            raise NotEnrolledInCourseForTeam
        if CourseTeamMembership.user_in_team_for_teamset(user, self.course_id, self.topic_id):
            raise AlreadyOnTeamInTeamset
        return CourseTeamMembership.objects.create(user=user, team=self)

    def reset_team_size(self):
        self.team_size = CourseTeamMembership.objects.filter(team=self).count()
        self.save(update_fields=["team_size"])


class CourseTeamMembership(models.Model):
    """
    A user's membership of a team.

    .. no_pii:
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE)
    team = models.ForeignKey(CourseTeam, related_name="membership", on_delete=models.CASCADE)
    date_joined = models.DateTimeField(auto_now_add=True)
    last_activity_at = models.DateTimeField()

    class Meta:
        app_label = "teams"
        unique_together = (("user", "team"),)

    def __str__(self):
        return f"{self.user_id} in {self.team_id}"

    def save(self, *args, **kwargs):
        if not self.last_activity_at:
            self.last_activity_at = timezone.now()
        super().save(*args, **kwargs)
        self.team.reset_team_size()

    def delete(self, *args, **kwargs):
        team = self.team
        result = super().delete(*args, **kwargs)
        team.reset_team_size()
        return result

    @classmethod
    def get_memberships(cls, username=None, course_ids=None, team_ids=None):
        queryset = cls.objects.all()
        if username is not None:
            queryset = queryset.filter(user__username=username)
        if course_ids is not None:
            queryset = queryset.filter(team__course_id__in=course_ids)
        if team_ids is not None:
            queryset = queryset.filter(team__team_id__in=team_ids)
        return queryset

    @classmethod
    def user_in_team_for_teamset(cls, user, course_id, topic_id):
        return cls.objects.filter(user=user, team__course_id=course_id, team__topic_id=topic_id).exists()

    @classmethod
    def is_user_on_team(cls, user, team):
        return cls.objects.filter(user=user, team=team).exists()
