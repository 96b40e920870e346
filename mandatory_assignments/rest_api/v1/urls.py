"""
Version 1 of the REST API (SPEC §3): reversed as ``mandatory_assignments:v1:<name>``.
"""

from django.urls import path

from . import learner_views, views

app_name = "v1"

urlpatterns = [
    path("me/assignments/", learner_views.MyAssignmentsView.as_view(), name="me-assignments"),  # issue 8
    path("me/preferences/", views.MyPreferencesView.as_view(), name="me-preferences"),
]
