"""
The plugin's URLs. The LMS plugin framework mounts this module at the site root with the namespace
``mandatory_assignments`` (see ``apps.py``).
"""

from django.urls import include, path

app_name = "mandatory_assignments"

urlpatterns = [
    path("api/mandatory_assignments/", include("mandatory_assignments.rest_api.urls")),
    # The staff and learner pages (/mandatory_assignments/, .../course/<course_id>/, .../my/) are added
    # here by a later issue, from mandatory_assignments.views.
]
