"""
Generated certificates. Every save sends ``CERTIFICATE_CHANGED``; a save with a passing status also
sends ``CERTIFICATE_CREATED`` (so it repeats, as in the LMS).
"""

from django.contrib.auth import get_user_model
from django.db import models
from opaque_keys.edx.django.models import CourseKeyField
from openedx_events.learning.data import CertificateData, CourseData, UserData, UserPersonalData
from openedx_events.learning.signals import CERTIFICATE_CHANGED, CERTIFICATE_CREATED

from .data import CertificateStatuses

User = get_user_model()


class GeneratedCertificate(models.Model):
    """
    A learner's certificate in a course run.

    .. pii: The learner's name as printed on the certificate.
    .. pii_types: name
    .. pii_retirement: local_api
    """

    MODES = ("audit", "honor", "verified", "professional", "no-id-professional", "credit", "masters")

    user = models.ForeignKey(User, on_delete=models.CASCADE)
    course_id = CourseKeyField(max_length=255, blank=True, default=None)
    download_url = models.CharField(max_length=128, blank=True, default="")
    grade = models.CharField(max_length=5, blank=True, default="")
    status = models.CharField(max_length=32, default=CertificateStatuses.unavailable)
    mode = models.CharField(max_length=32, choices=[(mode, mode) for mode in MODES], default="honor")
    name = models.CharField(blank=True, max_length=255)
    created_date = models.DateTimeField(auto_now_add=True)
    modified_date = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "certificates"
        unique_together = (("user", "course_id"),)

    def __str__(self):
        return f"certificate for {self.user_id} in {self.course_id}: {self.status}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        data = self._event_data()
        CERTIFICATE_CHANGED.send_event(certificate=data)
        if CertificateStatuses.is_passing_status(self.status):
            CERTIFICATE_CREATED.send_event(certificate=data)

    @classmethod
    def certificate_for_student(cls, student, course_id):
        try:
            return cls.objects.get(user=student, course_id=course_id)
        except cls.DoesNotExist:
            return None

    def _event_data(self):
        return CertificateData(
            user=UserData(
                pii=UserPersonalData(username=self.user.username, email=self.user.email, name=self.user.profile.name),
                id=self.user.id,
                is_active=self.user.is_active,
            ),
            course=CourseData(course_key=self.course_id),
            mode=self.mode,
            grade=self.grade,
            current_status=self.status,
            download_url=self.download_url,
            name=self.name,
        )
