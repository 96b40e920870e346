"""
Seeding for the tick benchmarks: assignments whose reminder is due, written with ``bulk_create``.

Seeding through ``api.bulk_assign`` would enroll every person (the bulk benchmark measures that); the tick
only reads the assignment, its reminder and the person, so the rows are written directly, as a past
``bulk_assign`` leaves them: one course, a 3-day reminder to the learner fallen due an hour before ``now``.
"""

import datetime

import _common


def seed_due_reminders(count, course, now, prefix, staff=None, display_name="Tick benchmark course"):
    """``count`` people, each with an assignment of ``course`` (created if missing) whose reminder is due."""
    from openedx.core.djangoapps.content.course_overviews.models import CourseOverview  # noqa: PLC0415

    from mandatory_assignments import rules  # noqa: PLC0415
    from mandatory_assignments.models import Assignment, Reminder  # noqa: PLC0415
    from sandbox import controls  # noqa: PLC0415

    if not CourseOverview.objects.filter(id=course).exists():
        controls.create_course(course, display_name=display_name)
    if staff is None:
        staff = controls.create_user(f"staff_{prefix}", is_staff=True)
    people = _common.make_people(count, prefix)
    due_date = (now + datetime.timedelta(days=2)).date()
    started = now - datetime.timedelta(days=5)
    Assignment.objects.bulk_create(
        [
            Assignment(user=person, target_key=course, target_type="course", assigned_by=staff, due_date=due_date,
                       deadline=rules.deadline_for(due_date, datetime.UTC), cycle=1, cycle_started_at=started)
            for person in people
        ],
        batch_size=5000,
    )
    moment = now - datetime.timedelta(hours=1)
    first = people[0].pk if people else 0
    ids = list(Assignment.objects.filter(target_key=course, user_id__gte=first).values_list("pk", flat=True))
    Reminder.objects.bulk_create(
        [Reminder(assignment_id=pk, days=3, recipient="student", fire_at=moment) for pk in ids], batch_size=5000
    )
    return people, staff, moment
