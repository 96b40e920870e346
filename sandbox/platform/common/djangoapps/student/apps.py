"""App configuration of the simulated student app."""

from django.apps import AppConfig


class StudentConfig(AppConfig):
    """Users' profiles, enrollments and course roles (label ``student``, as in the LMS)."""

    name = "common.djangoapps.student"
    label = "student"
    verbose_name = "Student (simulated)"
    default_auto_field = "django.db.models.AutoField"
