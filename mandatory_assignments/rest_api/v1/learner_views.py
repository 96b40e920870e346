"""
``GET /api/mandatory_assignments/v1/me/assignments/``: the caller's own assignments, as the "My
mandatory assignments" page shows them (the data comes from ``mandatory_assignments.learner``).
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from ... import learner
from .views import MandatoryAssignmentsAPIView

# The response's shape, for the schema (the data itself is built by ``learner.my_assignments``).


class _TimeZoneSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="IANA identifier, e.g. Europe/Berlin")
    name = serializers.CharField(help_text="The zone in words, in the caller's language")


class _CourseSerializer(serializers.Serializer):
    key = serializers.CharField()
    display_name = serializers.CharField()
    url = serializers.CharField()
    passed = serializers.BooleanField(help_text="Passed in the assignment's current cycle")


class _TargetSerializer(serializers.Serializer):
    key = serializers.CharField()
    type = serializers.ChoiceField(choices=["course", "path"])
    type_label = serializers.CharField()
    display_name = serializers.CharField()
    url = serializers.CharField()
    courses = _CourseSerializer(many=True, help_text="The courses of a learning path (empty for a course)")


class _DueSerializer(serializers.Serializer):
    date = serializers.CharField(help_text="The due date in the caller's language")
    time = serializers.CharField(help_text="The last minute of that day (23:59), in the caller's language")
    zone_id = serializers.CharField()
    zone_name = serializers.CharField()
    end_of_day = serializers.CharField()
    full = serializers.CharField()


class _RepeatsSerializer(serializers.Serializer):
    every_weeks = serializers.IntegerField()
    text = serializers.CharField()
    next_due_date = serializers.DateField()
    next_cycle_starts = serializers.DateTimeField()


class _ActionSerializer(serializers.Serializer):
    url = serializers.CharField()
    label = serializers.CharField()


class _AssignmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    target = _TargetSerializer()
    due_date = serializers.DateField()
    deadline = serializers.DateTimeField(help_text="The end of the due date in the caller's time zone")
    due = _DueSerializer()
    status = serializers.ChoiceField(choices=["assigned", "in_progress", "completed", "overdue"])
    status_label = serializers.CharField()
    overdue = serializers.BooleanField()
    note = serializers.CharField(allow_blank=True)
    cycle = serializers.IntegerField()
    repeat_weeks = serializers.IntegerField(allow_null=True)
    repeats = _RepeatsSerializer(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    action = _ActionSerializer()
    calendar_url = serializers.CharField(help_text="This assignment as an iCalendar file (session login)")


class _CycleSerializer(serializers.Serializer):
    assignment_id = serializers.IntegerField(allow_null=True)
    target = _TargetSerializer()
    cycle = serializers.IntegerField()
    due_date = serializers.DateField()
    due = serializers.CharField()
    completed_at = serializers.DateTimeField()
    completed_on = serializers.CharField()
    on_time = serializers.BooleanField()


class MyAssignmentsResponseSerializer(serializers.Serializer):
    time_zone = _TimeZoneSerializer()
    assignments = _AssignmentSerializer(many=True, help_text="Overdue first, then by due date")
    completed_cycles = _CycleSerializer(many=True, help_text="Most recent first")


class MyAssignmentsView(MandatoryAssignmentsAPIView):
    """
    ``GET me/assignments/``: every open assignment of the caller (overdue first, then by due date; a
    recurring assignment between two cycles after them) and every cycle they completed. Only the caller's
    own: there is no parameter to ask for anyone else's.
    """

    @extend_schema(responses=MyAssignmentsResponseSerializer, operation_id="me_assignments_list")
    def get(self, request):
        return Response(learner.my_assignments(request.user))
