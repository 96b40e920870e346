"""
The modes (tracks) a course run offers, reduced to what enrollment needs: which modes exist, and so which
mode an enrollment without an explicit ``mode`` gets (``openedx.core.djangoapps.enrollments.api``).

As in the LMS, a course without any ``CourseMode`` row offers the default mode (``COURSE_MODE_DEFAULTS``,
audit), and expired modes (past their upgrade deadline) are left out unless asked for.
"""

from collections import namedtuple

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.timezone import now
from openedx.core.djangoapps.content.course_overviews.models import CourseOverview

Mode = namedtuple("Mode", ["slug", "name", "min_price", "suggested_prices", "currency", "expiration_datetime"])

# The LMS's lms/envs/common.py value; the sandbox's settings may override it.
_COURSE_MODE_DEFAULTS = {
    "slug": "audit",
    "name": "Audit",
    "min_price": 0,
    "suggested_prices": "",
    "currency": "usd",
    "expiration_datetime": None,
}


def _mode_defaults():
    return {**_COURSE_MODE_DEFAULTS, **getattr(settings, "COURSE_MODE_DEFAULTS", {})}


class CourseMode(models.Model):
    """
    A mode a course run offers.

    .. no_pii:
    """

    course = models.ForeignKey(
        CourseOverview, db_constraint=False, db_index=True, related_name="modes", on_delete=models.DO_NOTHING
    )
    mode_slug = models.CharField(max_length=100)
    mode_display_name = models.CharField(max_length=255)
    min_price = models.IntegerField(default=0)
    currency = models.CharField(default="usd", max_length=8)
    _expiration_datetime = models.DateTimeField(default=None, null=True, blank=True, db_column="expiration_datetime")
    suggested_prices = models.CharField(max_length=255, blank=True, default="")

    HONOR = "honor"
    PROFESSIONAL = "professional"
    VERIFIED = "verified"
    AUDIT = "audit"
    NO_ID_PROFESSIONAL_MODE = "no-id-professional"
    CREDIT_MODE = "credit"
    MASTERS = "masters"

    DEFAULT_MODE = Mode(*(_mode_defaults()[field] for field in Mode._fields))
    DEFAULT_MODE_SLUG = _mode_defaults()["slug"]

    AUDIT_MODES = [AUDIT, HONOR]
    VERIFIED_MODES = [VERIFIED, PROFESSIONAL, MASTERS]
    CREDIT_MODES = [CREDIT_MODE]

    class Meta:
        app_label = "course_modes"
        unique_together = ("course", "mode_slug", "currency")

    def __str__(self):
        return f"{self.course_id} : {self.mode_slug}, min={self.min_price}"

    @property
    def slug(self):
        return self.mode_slug

    @property
    def expiration_datetime(self):
        return self._expiration_datetime

    @classmethod
    def get_default_mode_slug(cls):
        return cls.DEFAULT_MODE_SLUG

    @classmethod
    def modes_for_course(cls, course_id=None, include_expired=False, only_selectable=True, course=None):
        """The course's unexpired modes as ``Mode`` tuples; ``[DEFAULT_MODE]`` when it has none."""
        if course_id is None and course is None:
            raise ValueError("One of course_id or course must not be None.")
        if course is not None:
            course_id = course.id
        found = cls.objects.filter(course_id=course_id)
        if not include_expired:
            found = found.filter(Q(_expiration_datetime__isnull=True) | Q(_expiration_datetime__gte=now()))
        if only_selectable:
            found = found.exclude(mode_slug__in=cls.CREDIT_MODES)
        return [mode.to_tuple() for mode in found] or [cls.DEFAULT_MODE]

    @classmethod
    def modes_for_course_dict(cls, course_id=None, modes=None, **kwargs):
        if modes is None:
            modes = cls.modes_for_course(course_id, **kwargs)
        return {mode.slug: mode for mode in modes}

    @classmethod
    def mode_for_course(cls, course_id, mode_slug, modes=None, include_expired=False):
        """The course's mode ``mode_slug`` (unexpired unless ``include_expired``), or None."""
        if modes is None:
            modes = cls.modes_for_course(course_id, include_expired=include_expired)
        return next((mode for mode in modes if mode.slug == mode_slug), None)

    @classmethod
    def is_verified_slug(cls, mode_slug):
        return mode_slug in cls.VERIFIED_MODES

    def to_tuple(self):
        return Mode(
            self.mode_slug,
            self.mode_display_name,
            self.min_price,
            self.suggested_prices,
            self.currency,
            self.expiration_datetime,
        )
