"""App configuration of the simulated course modes app."""

from django.apps import AppConfig


class CourseModesConfig(AppConfig):
    """The modes (tracks) of course runs (label ``course_modes``, as in the LMS)."""

    name = "common.djangoapps.course_modes"
    label = "course_modes"
    verbose_name = "Course modes (simulated)"
    default_auto_field = "django.db.models.AutoField"
