"""App configuration of the simulated course overviews."""

from django.apps import AppConfig


class CourseOverviewsConfig(AppConfig):
    """Course overviews (label ``course_overviews``, as in the LMS)."""

    name = "openedx.core.djangoapps.content.course_overviews"
    label = "course_overviews"
    verbose_name = "Course overviews (simulated)"
    default_auto_field = "django.db.models.AutoField"
