"""
Look-ups for the assigning forms: ``people/`` (autocomplete) and ``groups/`` (cohorts, teams, departments).

Both are for staff only: course staff while assigning their course, global staff everywhere; with
company scoping they show the caller's company only.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from ... import api, compat, targets
from .serializers import GroupsSerializer, PersonSerializer
from .views import MandatoryAssignmentsAPIView, managed_target

PEOPLE_LIMIT = 20


class PeopleView(MandatoryAssignmentsAPIView):
    """
    ``GET people/?q=&target=``: at most 20 active people whose username, email or full name contains
    ``q``, of the caller's company. Course staff must name the ``target`` they are assigning (a course of
    theirs); global staff may leave it out. Others: 403.
    """

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Part of a username, email address or full name."),
            OpenApiParameter("target", str, description="The course or learning path being assigned."),
        ],
        responses=PersonSerializer(many=True),
    )
    def get(self, request):
        by = request.user
        key = (request.query_params.get("target") or "").strip().replace(" ", "+") or None
        if key is not None:
            key = managed_target(by, key).key
        elif not api.may_search_people(by):
            raise api.AssignmentError("not_allowed", _("Name the course you are assigning to search people."))
        people = api.search_people(by=by, q=request.query_params.get("q"), target=key, limit=PEOPLE_LIMIT)
        names = compat.get_profile_names([person.pk for person in people])
        return Response(
            [
                {
                    "id": person.pk,
                    "username": person.username,
                    "name": names.get(person.pk) or person.get_full_name(),
                    "email": person.email,
                }
                for person in people
            ]
        )


class GroupsView(MandatoryAssignmentsAPIView):
    """
    ``GET groups/?course_id=``: the course's cohorts and teams and the organisation's departments, each
    ``{id, name, size}`` (sizes count the caller's company). With a ``course_id``: its course staff;
    without: global staff, departments only.
    """

    @extend_schema(
        parameters=[OpenApiParameter("course_id", str, description="The course whose cohorts and teams to list.")],
        responses=GroupsSerializer,
    )
    def get(self, request):
        by = request.user
        course_id = (request.query_params.get("course_id") or "").strip().replace(" ", "+") or None
        course_key = None
        if course_id is not None:
            kind, __ = targets.parse_key(course_id)
            if kind != "course":
                raise api.AssignmentError(
                    "unknown_target", _("There is no course {key}.").format(key=course_id), "course_id"
                )
            course_key = managed_target(by, course_id, field="course_id").key
        elif not api.can_view_overview(by):
            raise api.AssignmentError("not_allowed", _("Name your course to see its groups."))
        return Response(api.list_groups(by=by, course_key=course_key))
