"""
The plugin's URLs. The LMS plugin framework mounts this module at the site root with the namespace
``mandatory_assignments`` (see ``apps.py``).
"""

from django.urls import include, path, re_path

from .views import bulk as bulk_views
from .views import learner as learner_views
from .views import staff as staff_views

app_name = "mandatory_assignments"

# A course key in a URL, as the LMS matches it (settings.COURSE_ID_PATTERN): course-v1:Org+Number+Run.
COURSE_ID_PATTERN = r"(?P<course_id>[^/+]+(/|\+)[^/+]+(/|\+)[^/?]+)"

urlpatterns = [
    path("api/mandatory_assignments/", include("mandatory_assignments.rest_api.urls")),
    # The staff and learner pages (/mandatory_assignments/, .../course/<course_id>/, .../my/) are added
    # here by a later issue, from mandatory_assignments.views.
    # The learner's pages.
    path("mandatory_assignments/my/", learner_views.my_assignments, name="learner-my"),
    path("mandatory_assignments/my/email/", learner_views.set_email_reminders, name="learner-email"),
    path("mandatory_assignments/my/calendar/", learner_views.manage_calendar_feed, name="learner-calendar"),
    path(
        "mandatory_assignments/my/<int:assignment_id>.ics",
        learner_views.assignment_ics,
        name="learner-assignment-ics",
    ),
    path("mandatory_assignments/calendar/<str:token>.ics", learner_views.calendar_feed, name="learner-calendar-feed"),
    # The staff pages: the organisation-wide ones (global staff) and a course's (its staff).
    path("mandatory_assignments/", staff_views.overview, name="staff-overview"),
    path("mandatory_assignments/new/", staff_views.new, name="staff-new"),
    path("mandatory_assignments/bulk/", bulk_views.basic, name="staff-bulk"),
    path("mandatory_assignments/bulk/result/<str:token>/", bulk_views.result, name="staff-bulk-result"),
    path("mandatory_assignments/bulk/<str:step>/", bulk_views.step, name="staff-bulk-step"),
    re_path(
        rf"^mandatory_assignments/course/{COURSE_ID_PATTERN}/$", staff_views.overview, name="staff-course-overview"
    ),
    re_path(rf"^mandatory_assignments/course/{COURSE_ID_PATTERN}/new/$", staff_views.new, name="staff-course-new"),
    re_path(rf"^mandatory_assignments/course/{COURSE_ID_PATTERN}/bulk/$", bulk_views.basic, name="staff-course-bulk"),
    re_path(
        rf"^mandatory_assignments/course/{COURSE_ID_PATTERN}/bulk/result/(?P<token>[0-9a-f]+)/$",
        bulk_views.result,
        name="staff-course-bulk-result",
    ),
    re_path(
        rf"^mandatory_assignments/course/{COURSE_ID_PATTERN}/bulk/(?P<step>[a-z]+)/$",
        bulk_views.step,
        name="staff-course-bulk-step",
    ),
    path("mandatory_assignments/assignments/<int:assignment_id>/", staff_views.detail, name="staff-assignment"),
    path("mandatory_assignments/assignments/<int:assignment_id>/edit/", staff_views.edit, name="staff-assignment-edit"),
    path(
        "mandatory_assignments/assignments/<int:assignment_id>/withdraw/",
        staff_views.withdraw,
        name="staff-assignment-withdraw",
    ),
]
