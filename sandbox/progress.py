"""
What a learner does in a course, done with one button on the sandbox's course page: work through a unit
(a real ``BlockCompletion``) or pass the course (a persisted passing grade and its events), as the LMS
would record them. The demo uses it to move an assignment from Assigned to In progress to Completed.
"""

from common.djangoapps.student.models import CourseEnrollment
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import CourseKey
from openedx.core.djangoapps.content.course_overviews.models import CourseOverview

from sandbox import controls

ACTIONS = {"complete_unit", "pass_course"}


@require_POST
@login_required
def record_progress(request, course_id):
    """Record a completed unit or a passing grade for the signed-in learner (enrolled in the course)."""
    try:
        overview = CourseOverview.get_from_id(CourseKey.from_string(course_id))
    except (InvalidKeyError, CourseOverview.DoesNotExist):
        raise Http404 from None
    action = request.POST.get("action")
    if action not in ACTIONS or not CourseEnrollment.is_enrolled(request.user, overview.id):
        raise Http404
    if action == "complete_unit":
        controls.complete_block(request.user, overview.id)
        messages.success(
            request, _("A unit of {course} is recorded as completed.").format(course=overview.display_name)
        )
    else:
        controls.set_grade(request.user, overview.id, percent=1.0, passed=True)
        messages.success(request, _("You passed {course} (grade 100%).").format(course=overview.display_name))
    return redirect("course_home", course_id=str(overview.id))
