"""
Version 1 of the REST API (SPEC §3): reversed as ``mandatory_assignments:v1:<name>``.
"""

from django.urls import path

from . import assignment_views, bulk_views, learner_views, lookup_views, schema, views

app_name = "v1"

urlpatterns = [
    path("assignments/", assignment_views.AssignmentListView.as_view(), name="assignments"),
    path("assignments/export.csv", assignment_views.AssignmentExportView.as_view(), name="assignments-export"),
    path("assignments/<int:assignment_id>/", assignment_views.AssignmentDetailView.as_view(), name="assignment-detail"),
    path("bulk/preview/", bulk_views.BulkPreviewView.as_view(), name="bulk-preview"),
    path("bulk/", bulk_views.BulkAssignView.as_view(), name="bulk"),
    path("bulk/<str:task_id>/", bulk_views.BulkJobView.as_view(), name="bulk-job"),
    path("people/", lookup_views.PeopleView.as_view(), name="people"),
    path("groups/", lookup_views.GroupsView.as_view(), name="groups"),
    path("me/assignments/", learner_views.MyAssignmentsView.as_view(), name="me-assignments"),  # issue 8
    path("me/preferences/", views.MyPreferencesView.as_view(), name="me-preferences"),
    path("schema/", schema.SchemaView.as_view(), name="schema"),
]
