"""
The REST API's versions: ``/api/mandatory_assignments/v1/``.
"""

from django.urls import include, path

urlpatterns = [
    path("v1/", include("mandatory_assignments.rest_api.v1.urls", namespace="v1")),
]
