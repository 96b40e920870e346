"""
The plugin's URLs. The LMS plugin framework mounts this module at the site root with the namespace
``mandatory_assignments`` (see ``apps.py``).
"""

from django.urls import include, path

from .views import learner as learner_views

app_name = "mandatory_assignments"

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
]
