"""
The URLs the schema documents: version 1 of the API at the path the LMS serves it from, so that the
schema's paths are the real ones (``/api/mandatory_assignments/v1/...``).
"""

from django.urls import include, path

urlpatterns = [
    path("api/mandatory_assignments/v1/", include("mandatory_assignments.rest_api.v1.urls")),
]
