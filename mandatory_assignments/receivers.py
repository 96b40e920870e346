"""
Handlers of platform events and Django signals. Thin: they read the event and call ``api``.

openedx-events are sent with ``send_robust``, so an exception here is logged by the sender, not raised;
each handler is idempotent because the platform repeats these events (every regrade sends one).
"""

import logging

from . import api

log = logging.getLogger(__name__)


def _passing_status(user_id, course_key, is_passing):
    if is_passing:
        api.record_course_passed(user_id, course_key, evidence="passing_status")
    else:
        api.record_course_not_passing(user_id, course_key)


def on_course_passing_status_updated(sender, signal=None, course_passing_status=None, **kwargs):  # pylint: disable=unused-argument
    """COURSE_PASSING_STATUS_UPDATED: sent on every regrade."""
    data = course_passing_status
    if data is not None:
        _passing_status(data.user.id, data.course.course_key, data.is_passing)


def on_ccx_course_passing_status_updated(sender, signal=None, course_passing_status=None, **kwargs):  # pylint: disable=unused-argument
    """CCX_COURSE_PASSING_STATUS_UPDATED: the pass counts for assignments of the CCX course itself."""
    data = course_passing_status
    if data is not None:
        _passing_status(data.user.id, data.course.ccx_course_key, data.is_passing)


def on_persistent_grade_summary_changed(sender, signal=None, grade=None, **kwargs):  # pylint: disable=unused-argument
    """PERSISTENT_GRADE_SUMMARY_CHANGED: ``passed_timestamp`` is set on the first pass and kept."""
    if grade is None:
        return
    if grade.passed_timestamp:
        api.record_course_passed(
            grade.user_id, grade.course.course_key, passed_at=grade.passed_timestamp, evidence="grade_summary"
        )
    else:
        api.record_course_not_passing(grade.user_id, grade.course.course_key)


PASSING_CERTIFICATE_STATUSES = {"downloadable"}


def on_certificate_created(sender, signal=None, certificate=None, **kwargs):  # pylint: disable=unused-argument
    """CERTIFICATE_CREATED: supporting evidence of a pass (certificates depend on configuration)."""
    if certificate is None or certificate.current_status not in PASSING_CERTIFICATE_STATUSES:
        return
    api.record_course_passed(certificate.user.id, certificate.course.course_key, evidence="certificate")


def on_block_completion_saved(sender, instance=None, **kwargs):  # pylint: disable=unused-argument
    """edx-completion sends no openedx-event: a saved BlockCompletion with completion > 0 is progress."""
    if instance is None or not instance.completion or instance.completion <= 0:
        return
    api.record_progress(instance.user_id, instance.context_key)


def on_course_unenrollment_completed(sender, signal=None, enrollment=None, **kwargs):  # pylint: disable=unused-argument
    """
    A learner left an assigned course. The assignment stands and is not re-enrolled behind the learner's
    back (docs/decisions/0002-unenrollment.rst); it is logged so staff can see it.
    """
    if enrollment is None:
        return
    api.record_unenrollment(enrollment.user.id, enrollment.course.course_key)


def on_user_retire(sender, user=None, **kwargs):  # pylint: disable=unused-argument
    """USER_RETIRE_LMS_MISC: remove the person's personal data; idempotent and fast."""
    if user is None:
        return
    api.retire_user(user)


def on_ace_message_sent(sender, message=None, **kwargs):  # pylint: disable=unused-argument
    """edx-ace's success signal: the email was handed over; mark its delivery sent."""
    if message is None:
        return
    api.record_message_sent(message)


def on_profile_saved(sender, instance=None, **kwargs):  # pylint: disable=unused-argument
    """A profile was saved: the person's department (extended-profile field) may have changed."""
    if instance is None or not instance.user_id:
        return
    api.refresh_department(instance.user_id, instance.meta)


def on_time_zone_preference_changed(sender, instance=None, **kwargs):  # pylint: disable=unused-argument
    """The person's time zone preference was saved or deleted: deadlines and reminder moments follow it."""
    if instance is None or instance.key != "time_zone":
        return
    api.time_zone_changed(instance.user)
