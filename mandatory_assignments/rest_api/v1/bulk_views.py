"""
Bulk assignment in the REST API: ``bulk/preview/``, ``bulk/`` and ``bulk/<task_id>/``.

People are named individually (username or email) and through the target course's cohorts and teams
and the organisation's departments; each person counts once. Problems of the batch (target, permission,
due date, reminders, a group that does not exist) refuse the whole request with nothing written;
problems of one person (unknown, another company, already assigned) are reported per person.
"""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from ... import api
from ...conf import setting
from .serializers import (
    BulkJobSerializer,
    BulkPreviewSerializer,
    BulkResultSerializer,
    BulkSerializer,
    BulkStartedSerializer,
)
from .views import MandatoryAssignmentsAPIView, managed_target


def _label(value):
    """A person (their username) or a value as given, for the lists of the responses."""
    return value.username if isinstance(value, get_user_model()) else str(value)


def _check_groups(by, target, people):
    """Refuse (400, naming ``people.<kind>``) groups that do not exist for this target."""
    course_key = target.key if target.type == "course" else None
    errors = {}
    if course_key is None:
        for kind in ("cohorts", "teams"):
            if people[kind]:
                errors[kind] = [_("Cohorts and teams belong to a course; this target is a learning path.")]
    wanted = {kind: people[kind] for kind in ("cohorts", "teams", "departments") if people[kind] and kind not in errors}
    if wanted:
        groups = api.list_groups(by=by, course_key=course_key)
        messages = {
            "cohorts": _("No cohort {value} in this course."),
            "teams": _("No team {value} in this course."),
            "departments": _("No department {value}."),
        }
        for kind, values in wanted.items():
            known = {group["id"] for group in groups[kind]}
            unknown = [value for value in values if value not in known]
            if unknown:
                errors[kind] = [messages[kind].format(value=value) for value in unknown]
    if errors:
        raise serializers.ValidationError({"people": errors})
    return course_key


def _bulk_request(request):
    """``(data, target, people, invalid)`` of a valid bulk request; raises the API's errors otherwise."""
    serializer = BulkSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    by = request.user
    target = managed_target(by, data["target"])
    people = data["people"]
    course_key = _check_groups(by, target, people)
    persons, invalid = api.people_in(
        by=by,
        course_key=course_key,
        users=people["users"],
        cohorts=people["cohorts"],
        teams=people["teams"],
        departments_=people["departments"],
    )
    return data, target, persons, invalid


def _options(data):
    return {
        "target": None,  # set by the caller
        "due_date": data["due_date"],
        "repeat_weeks": data.get("repeat_weeks"),
        "reminders": data.get("reminders"),
    }


class BulkPreviewView(MandatoryAssignmentsAPIView):
    """
    ``POST bulk/preview/``: what ``POST bulk/`` would do, writing nothing: ``count`` (to be created), the
    people to ``create``, those to ``skip`` (already assigned) and the ``invalid`` values, with reasons.
    """

    @extend_schema(request=BulkSerializer, responses=BulkPreviewSerializer)
    def post(self, request):
        data, target, persons, invalid = _bulk_request(request)
        __, __, __, plan = api.plan_bulk(
            users=persons, assigned_by=request.user, **{**_options(data), "target": target.key}
        )
        return Response(
            {
                "count": len(plan["create"]),
                "create": [user.username for user, __ in plan["create"]],
                "skip": [{"user": user.username, "reason": str(reason)} for user, reason in plan["skipped"]],
                "invalid": [
                    {"value": _label(value), "reason": str(reason)} for value, reason in invalid + plan["failed"]
                ],
            }
        )


class BulkAssignView(MandatoryAssignmentsAPIView):
    """
    ``POST bulk/``: assign the target to everyone named. Up to ``MANDATORY_ASSIGNMENTS_BULK_SYNC_LIMIT``
    people: done at once, 200 with who was ``created``, ``skipped`` and ``failed``. More: 202 with the
    ``task_id`` of a background job whose progress ``GET bulk/<task_id>/`` shows.
    """

    @extend_schema(request=BulkSerializer, responses={200: BulkResultSerializer, 202: BulkStartedSerializer})
    def post(self, request):
        by = request.user
        data, target, persons, invalid = _bulk_request(request)
        options = {**_options(data), "target": target.key, "note": data.get("note", ""), "assigned_by": by}
        if len(persons) > setting("BULK_SYNC_LIMIT"):
            # The job reports the values that name nobody too: it resolves them again, as given.
            job = api.start_bulk_assign(users=persons + [value for value, __ in invalid], **options)
            return Response({"task_id": job.task_id}, status=status.HTTP_202_ACCEPTED)
        result = api.bulk_assign(users=persons, **options)
        failed = invalid + result.failed
        return Response(
            {
                "created": [row.user.username for row in result.created],
                "skipped": [{"user": _label(user), "reason": str(reason)} for user, reason in result.skipped],
                "failed": [{"value": _label(value), "message": str(message)} for value, message in failed],
            }
        )


class BulkJobView(MandatoryAssignmentsAPIView):
    """
    ``GET bulk/<task_id>/``: a background bulk assignment's ``state`` (PENDING, STARTED, SUCCESS,
    FAILURE), progress (``done`` of ``total``) and outcome so far. Only the person who started it and
    global staff (of their company) see it; anyone else: 404.
    """

    @extend_schema(responses=BulkJobSerializer)
    def get(self, request, task_id):
        job = api.get_bulk_job(task_id, by=request.user)
        if job is None:
            raise exceptions.NotFound(_("There is no such bulk assignment."))
        return Response(job)
