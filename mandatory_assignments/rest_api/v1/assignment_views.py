"""
Assignments in the REST API: ``assignments/`` (list, create), ``assignments/<id>/`` (read, change,
withdraw) and ``assignments/export.csv``.

What a caller sees is what ``api.get_assignments(by=caller)`` gives (their own assignments, those of the
targets they manage, their company only); an assignment they may not see answers 404, as if it did not
exist. Writes go through the api, which checks again.
"""

from django.contrib.auth import get_user_model
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response

from ... import api, listing, targets
from .pagination import AssignmentPagination
from .serializers import AssignmentCreateSerializer, AssignmentSerializer, AssignmentUpdateSerializer
from .views import MandatoryAssignmentsAPIView, managed_target

LIST_PARAMETERS = [
    OpenApiParameter(
        "status",
        str,
        description="Comma-separated statuses (assigned, in_progress, completed, overdue), or all. "
        "Default: assigned,in_progress,overdue.",
    ),
    OpenApiParameter("target", str, description="A course or learning path key: its assignments."),
    OpenApiParameter("course_id", str, description="A course key: its assignments and those of paths containing it."),
    OpenApiParameter("user", str, description="One person: username, email address or id."),
    OpenApiParameter("q", str, description="Search in the person's username, name and email and the target."),
    # Empty, as a form submits an unset field: the default, like every other parameter left empty.
    OpenApiParameter(
        "sort",
        str,
        enum=["", "due_date", "-due_date", "status", "-status", "person", "-person"],
        description="Empty: due_date.",
    ),
    OpenApiParameter("order", str, enum=["", "asc", "desc"], description="Empty: asc (or as sort says)."),
]


class AssignmentListPagination(AssignmentPagination):
    """The list's pages read as ``listing.ListPaginator`` reads them: the last page costs what the first does."""

    django_paginator_class = listing.ListPaginator


def visible_listing(request):
    """The assignments the request asks for (filters and sort of ``listing``) among those the caller may see."""
    params = listing.params_from_query(request.query_params)
    by = request.user
    scope = params.filters["target"] or params.filters["course_id"]
    # Course staff see a course's rows when they ask for that course; global staff see every course and
    # path already, and a course filter then also takes in the paths that contain the course.
    visible = api.get_assignments(by=by) if api.can_view_overview(by) or not scope else None
    if visible is None:
        visible = _rows_of_scope(by, scope)
    rows = listing.filter_assignments(visible, **params.filters)
    return listing.sort_assignments(listing.with_names(rows), params.sort, descending=params.descending)


def _rows_of_scope(by, scope):
    kind, key = targets.parse_key(scope)
    if kind is None:
        return api.get_assignments(by=by)  # the listing refuses the malformed key, naming the field
    return api.get_assignments(by=by, target=key)


def _person_named(value):
    """
    The active person a username, email address or id names. Digits that are not ASCII ("²", "١٢")
    are no id: they can only be a username (``listing.person_matching`` would read them as a number).
    """
    text = value.strip()
    if text.isdigit() and not text.isascii():
        return get_user_model().objects.filter(is_active=True, username=text).first()
    return listing.person_matching(value)


def _with_names(assignment):
    """The assignment again, with the person's and target's names annotated."""
    return listing.with_names(api.get_assignments()).get(pk=assignment.pk)


class AssignmentListView(MandatoryAssignmentsAPIView):
    """
    ``GET assignments/``: the assignments the caller may see, paginated ``{count, next, previous,
    results}``; open and overdue ones unless ``status`` says otherwise. Course staff see a course's
    assignments with ``course_id`` (or ``target``); global staff see every course and learning path.

    ``POST assignments/``: assign a target to one person (by username or email address).
    """

    pagination_class = AssignmentListPagination

    @extend_schema(parameters=LIST_PARAMETERS, responses=AssignmentSerializer(many=True))
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(visible_listing(request), request, view=self)
        return paginator.get_paginated_response(AssignmentSerializer(page, many=True).data)

    @extend_schema(request=AssignmentCreateSerializer, responses={201: AssignmentSerializer})
    def post(self, request):
        by = request.user
        serializer = AssignmentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        target = managed_target(by, data["target"])
        person = _person_named(data["user"])
        if person is None:
            raise api.AssignmentError("unknown_user", _("There is no such active person."), "user")
        assignment = api.assign(
            user=person,
            target=target.key,
            due_date=data["due_date"],
            assigned_by=by,
            repeat_weeks=data.get("repeat_weeks"),
            note=data.get("note", ""),
            reminders=data.get("reminders"),
        )
        return Response(AssignmentSerializer(_with_names(assignment)).data, status=status.HTTP_201_CREATED)


class AssignmentDetailView(MandatoryAssignmentsAPIView):
    """
    ``GET / PATCH / DELETE assignments/<id>/``: read, change (``due_date``, ``note``, ``reminders``,
    ``repeat_weeks``; only those given) or withdraw an assignment. One the caller may not see: 404.
    A completed one cannot be changed (400 ``completed_cannot_edit``); a completed non-repeating one
    cannot be withdrawn (409 ``completed_cannot_withdraw``).
    """

    def _assignment(self, request, assignment_id):
        assignment = api.get_assignment(assignment_id, by=request.user)
        if assignment is None:
            raise exceptions.NotFound(_("There is no such assignment."))
        return assignment

    @extend_schema(responses=AssignmentSerializer)
    def get(self, request, assignment_id):
        return Response(AssignmentSerializer(_with_names(self._assignment(request, assignment_id))).data)

    @extend_schema(request=AssignmentUpdateSerializer, responses=AssignmentSerializer)
    def patch(self, request, assignment_id):
        by = request.user
        assignment = self._assignment(request, assignment_id)
        serializer = AssignmentUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        updated = api.update(assignment, by=by, **serializer.validated_data)
        return Response(AssignmentSerializer(_with_names(updated)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, assignment_id):
        api.withdraw(self._assignment(request, assignment_id), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AssignmentExportView(MandatoryAssignmentsAPIView):
    """
    ``GET assignments/export.csv``: the list's assignments (same filters and order, every page) as CSV,
    streamed, with each one's completed cycles and the reminders sent. Errors stay JSON.
    """

    def perform_content_negotiation(self, request, force=False):
        # A client asking for text/csv still gets its errors, in JSON: negotiation never fails here.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        parameters=LIST_PARAMETERS,
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The assignments as CSV.")},
    )
    def get(self, request):
        rows = visible_listing(request)
        response = StreamingHttpResponse(listing.export_csv(rows), content_type="text/csv; charset=utf-8")
        filename = f"mandatory-assignments-{timezone.now():%Y-%m-%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
