"""
The certificates app's public Python API (reduced).
"""

from django.contrib.auth import get_user_model

from .data import CertificateStatuses
from .models import GeneratedCertificate

User = get_user_model()


def get_certificate_for_user(username, course_key, format_results=True):
    """The learner's certificate in the course: a dict (or the model with ``format_results=False``), or None."""
    try:
        cert = GeneratedCertificate.objects.select_related("user").get(user__username=username, course_id=course_key)
    except GeneratedCertificate.DoesNotExist:
        return None
    return _format(cert) if format_results else cert


def get_certificate_for_user_id(user, course_id):
    return GeneratedCertificate.certificate_for_student(user, course_id)


def certificate_status_for_student(student, course_id):
    """``{"status", "mode", "grade", "download_url"}``; status "unavailable" without a certificate."""
    cert = GeneratedCertificate.certificate_for_student(student, course_id)
    if cert is None:
        return {"status": CertificateStatuses.unavailable, "mode": None, "grade": "", "download_url": ""}
    return {"status": cert.status, "mode": cert.mode, "grade": cert.grade, "download_url": cert.download_url}


def _format(cert):
    return {
        "username": cert.user.username,
        "course_key": cert.course_id,
        "type": cert.mode,
        "status": cert.status,
        "grade": cert.grade,
        "created": cert.created_date,
        "modified": cert.modified_date,
        "is_passing": CertificateStatuses.is_passing_status(cert.status),
        "download_url": cert.download_url or None,
    }
