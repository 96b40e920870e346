"""App configuration of the simulated course groups (cohorts)."""

from django.apps import AppConfig


class CourseGroupsConfig(AppConfig):
    """Cohorts (label ``course_groups``, as in the LMS)."""

    name = "openedx.core.djangoapps.course_groups"
    label = "course_groups"
    verbose_name = "Course groups (simulated)"
    default_auto_field = "django.db.models.AutoField"
