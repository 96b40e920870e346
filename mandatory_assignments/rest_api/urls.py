"""
The REST API's versions: ``/api/mandatory_assignments/v1/``.
"""

from django.urls import include, path, re_path

from .v1.views import UnknownPathView

urlpatterns = [
    path("v1/", include("mandatory_assignments.rest_api.v1.urls", namespace="v1")),
    # Anything else under the API (an id that is no number, a typo): 404 in the API's error shape.
    re_path(r"^", UnknownPathView.as_view()),
]
