"""
Pages of the simulated LMS: home, a course page, a unit of the courseware and the legacy instructor dashboard.
"""

from common.djangoapps.student.models import CourseEnrollment
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils.html import format_html
from lms.djangoapps.courseware.access import has_access
from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import CourseKey
from openedx.core.djangoapps.content.course_overviews.models import CourseOverview
from openedx_filters.learning.filters import InstructorDashboardRenderStarted, VerticalBlockRenderCompleted
from web_fragments.fragment import Fragment

from .courseware import SandboxVerticalBlock, user_service_options
from .management.commands import seed_demo


def platform_context(request):
    """Template context shared by the sandbox pages."""
    return {"platform_name": settings.PLATFORM_NAME, "lms_root_url": settings.LMS_ROOT_URL}


def home(request):
    """Links to the plugin's pages and the courses, and whom to sign in as in the demo."""
    courses = CourseOverview.objects.order_by("id")
    seeded = get_user_model().objects.filter(username="admin").exists()
    return render(
        request,
        "sandbox/home.html",
        {"courses": courses, "logins": seed_demo.logins() if seeded else [], "password": seed_demo.PASSWORD},
    )


def course_home(request, course_id):
    """A course's page: its name, enrollment and links into it."""
    overview = _get_course(course_id)
    enrollment = CourseEnrollment.get_enrollment(request.user, overview.id)
    return render(
        request,
        "sandbox/course.html",
        {
            "course": overview,
            "enrollment": enrollment,
            "is_staff": bool(has_access(request.user, "staff", overview.id)),
        },
    )


@login_required
def courseware_unit(request, course_id):
    """A unit of the course, rendered as the LMS renders a vertical: then its render filter runs."""
    overview = _get_course(course_id)
    is_staff = bool(has_access(request.user, "staff", overview))
    if not (is_staff or CourseEnrollment.is_enrolled(request.user, overview.id)):
        return HttpResponseForbidden("Enroll in the course to see its content.")
    if not has_access(request.user, "load", overview):
        return HttpResponseForbidden("The course has not started yet.")
    # The LMS builds the block's runtime (and its user service) before rendering: the filter reads it.
    block = SandboxVerticalBlock(
        overview, request.user, **user_service_options(request.user, overview.id, is_staff=is_staff)
    )
    fragment = Fragment(format_html("<div class='vert-mod'><p>{}</p></div>", block.display_name))
    context = {"username": request.user.username}
    try:
        block, fragment, context, view = VerticalBlockRenderCompleted.run_filter(
            block=block, fragment=fragment, context=context, view="student_view"
        )
    except VerticalBlockRenderCompleted.PreventVerticalBlockRender as exc:
        fragment = Fragment(format_html("<div class='vert-mod'><p>{}</p></div>", str(exc)))
    return render(request, "sandbox/unit.html", {"course": overview, "fragment": fragment})


@login_required
def instructor_dashboard(request, course_id):
    """The legacy instructor dashboard: its sections, after the render filter added its own."""
    overview = _get_course(course_id)
    if not has_access(request.user, "staff", overview.id):
        raise Http404
    sections = [
        {
            "section_key": "course_info",
            "section_display_name": "Course Info",
            "fragment": Fragment(format_html("<p>{}</p><p>{}</p>", overview.display_name, overview.id)),
        }
    ]
    context = {"course": overview, "sections": sections}
    template_name = "sandbox/instructor_dashboard.html"
    try:
        context, template_name = InstructorDashboardRenderStarted.run_filter(
            context=context, template_name=template_name
        )
    except InstructorDashboardRenderStarted.RenderInvalidDashboard as exc:
        return render(request, exc.instructor_template, exc.template_context)
    except InstructorDashboardRenderStarted.RedirectToPage as exc:
        return redirect(exc.redirect_to or "/")
    except InstructorDashboardRenderStarted.RenderCustomResponse as exc:
        return exc.response
    return render(request, template_name, context)


def learning_path(request, path_key):
    """A learning path's page, as the learning paths frontend shows it: its courses in order."""
    from learning_paths.models import LearningPath  # noqa: PLC0415 -- optional plugin

    path = LearningPath.objects.filter(key=path_key).prefetch_related("steps").first()
    if path is None:
        raise Http404
    steps = sorted(path.steps.all(), key=lambda step: step.order)
    overviews = {
        str(overview.id): overview for overview in CourseOverview.objects.filter(id__in=[s.course_key for s in steps])
    }
    courses = [
        overviews.get(str(step.course_key)) or {"id": step.course_key, "display_name": str(step.course_key)}
        for step in steps
    ]
    return render(request, "sandbox/learning_path.html", {"path": path, "courses": courses})


def _get_course(course_id):
    try:
        return CourseOverview.get_from_id(CourseKey.from_string(course_id))
    except (InvalidKeyError, CourseOverview.DoesNotExist):
        raise Http404 from None
