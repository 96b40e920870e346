"""
Status tracking: what the platform's events say a person did, and what that does to their assignments.

A pass (a passing grade event, a passing grade summary, a passing certificate) is completion evidence;
a completed block is progress, never completion. The first cycle takes any pass, also one from before
the assignment (existing state is recognised); a later cycle completes only on a pass *received* after
its start — the platform keeps ``passed_timestamp`` at the first pass, so the moment an event arrives
is what dates it (docs/decisions/0001-evidence-per-cycle.rst).
"""

from completion.models import BlockCompletion
from django.db import transaction
from django.utils import timezone
from opaque_keys.edx.keys import CourseKey

from . import compat, rules, targets
from .audit import audit_entry, record_status
from .conf import setting
from .models import Assignment, AuditEntry, CompletedCycle, CourseEvidence
from .zones import user_time_zone


def store_pass(user_id, course_key, *, received_at, passed_at, evidence):
    """
    Record that the person passes the course, as received at ``received_at``; ``passed_at`` (the first
    pass, where the platform says) is kept from the first record.
    """
    row, created = CourseEvidence.objects.get_or_create(
        user_id=user_id,
        course_key=course_key,
        defaults={"passed_at": passed_at, "received_at": received_at, "evidence": evidence},
    )
    if not created:
        row.passed_at = row.passed_at or passed_at
        row.received_at = received_at
        row.evidence = evidence
        row.save(update_fields=["passed_at", "received_at", "evidence", "modified"])
    return row


def counts_for(assignment, row):
    """Whether the pass in ``row`` completes the assignment's current cycle for that course."""
    if row is None or row.passed_at is None:
        return False
    if assignment.cycle == 1:
        return True
    return row.received_at is not None and row.received_at >= assignment.cycle_started_at


def complete(assignment, when, evidence, actor=None):
    """Complete the current cycle: history row, reminders stop, next cycle planned or the assignment closed."""
    assignment.completed_at = when
    assignment.completion_evidence = evidence
    if assignment.repeat_weeks:
        tz = user_time_zone(assignment.user)
        assignment.next_due_date = rules.next_cycle_due_date(
            assignment.due_date, assignment.repeat_weeks, now=when, tz=tz, min_lead_days=setting("MIN_LEAD_DAYS")
        )
        assignment.next_cycle_at = rules.next_cycle_start(assignment.deadline, when)
    else:
        assignment.is_open = None
    assignment.save()
    assignment.reminder_rows.update(fire_at=None)
    CompletedCycle.objects.create(
        assignment=assignment,
        user_id=assignment.user_id,
        target_key=assignment.target_key,
        cycle=assignment.cycle,
        due_date=assignment.due_date,
        completed_at=when,
        evidence=evidence,
    )
    record_status(assignment, actor=actor, now=when)


def _open_assignments_touching(user_id, course_key):
    """The person's uncompleted assignments whose target is the course or a path that includes it."""
    keys = [course_key, *targets.path_keys_containing(course_key)]
    return list(
        Assignment.objects.select_for_update()
        .select_related("user")
        .filter(user_id=user_id, target_key__in=keys, completed_at__isnull=True)
    )


def has_open_assignments(user_id):
    """One indexed query: whether the person has any uncompleted assignment (events of others cost no more)."""
    return Assignment.objects.filter(user_id=user_id, completed_at__isnull=True).exists()


def record_course_passed(user_id, course_key, *, passed_at=None, evidence="passing"):
    """
    The platform says the person passes the course. Idempotent: repeated events change nothing more.

    ``passed_at`` is the first pass where the platform says so (the grade's ``passed_timestamp``). A
    course assignment completes; a path completes once every course of it is passed in this cycle.
    """
    course_key = str(course_key)
    if not has_open_assignments(user_id):
        return []
    now = timezone.now()
    completed = []
    with transaction.atomic():
        row = store_pass(user_id, course_key, received_at=now, passed_at=passed_at or now, evidence=evidence)
        for assignment in _open_assignments_touching(user_id, course_key):
            if _target_passed(assignment, row):
                complete(assignment, now, evidence)
                completed.append(assignment)
            elif assignment.progressed_at is None and counts_for(assignment, row):
                mark_progress(assignment, now)
    return completed


def _target_passed(assignment, latest):
    if assignment.target_type == "course":
        return counts_for(assignment, latest)
    course_keys = targets.course_keys_of_paths([assignment.target_key]).get(assignment.target_key, ())
    if not course_keys:
        return False
    rows = {
        row.course_key: row
        for row in CourseEvidence.objects.filter(user_id=assignment.user_id, course_key__in=course_keys)
    }
    rows[latest.course_key] = latest
    return all(counts_for(assignment, rows.get(key)) for key in course_keys)


def record_course_not_passing(user_id, course_key):
    """
    The platform says the person no longer passes (a reset, or a regrade below the minimum). A
    completed cycle stays completed; only a future pass is dated anew.
    """
    CourseEvidence.objects.filter(user_id=user_id, course_key=str(course_key)).update(passed_at=None)


def mark_progress(assignment, when):
    assignment.progressed_at = when
    Assignment.objects.filter(pk=assignment.pk).update(progressed_at=when)
    record_status(assignment, now=when)


def record_progress(user_id, course_key):
    """A block was completed in the course: assignments of this course (or a path with it) are in progress."""
    if not has_open_assignments(user_id):
        return 0
    now = timezone.now()
    with transaction.atomic():
        touched = [a for a in _open_assignments_touching(user_id, str(course_key)) if a.progressed_at is None]
        for assignment in touched:
            mark_progress(assignment, now)
    return len(touched)


def record_unenrollment(user_id, course_key):
    """Log that the person left a course of one of their open assignments; the assignment stands."""
    course_key = str(course_key)
    keys = [course_key, *targets.path_keys_containing(course_key)]
    rows = Assignment.objects.filter(user_id=user_id, target_key__in=keys, completed_at__isnull=True)
    AuditEntry.objects.bulk_create(
        [audit_entry(row, AuditEntry.UNENROLLED, None, {"course_key": course_key}) for row in rows]
    )


def recognise_existing_state(assignments, target, already_enrolled, now):
    """
    Start each new assignment at the person's current state in the target: passed courses (read from
    the platform's grades for those already enrolled, one query per course, and their downloadable
    certificates, one more for those the grades do not show passing) and completed blocks.
    """
    by_user = {assignment.user_id: assignment for assignment in assignments}
    enrolled_users = {user_id for user_id, _course in already_enrolled if user_id in by_user}
    if not enrolled_users:
        return
    passed = {}  # user_id -> set of course keys passed
    evidence_of = {}  # user_id -> "grade" (any course passed by grade) or "certificate"
    for course_key in target.course_keys:
        user_ids = [user_id for user_id in enrolled_users if (user_id, course_key) in already_enrolled]
        if not user_ids:
            continue
        key = CourseKey.from_string(course_key)
        passing = compat.passing_user_ids(user_ids, key)
        # A downloadable certificate is a pass too, for those whose stored grade does not say so.
        others = [user_id for user_id in user_ids if user_id not in passing]
        certified = compat.certified_user_ids(others, key) if others else set()
        for user_id, evidence in [(u, "grade") for u in passing] + [(u, "certificate") for u in certified]:
            passed.setdefault(user_id, set()).add(course_key)
            if evidence_of.get(user_id) != "grade":
                evidence_of[user_id] = evidence
            store_pass(user_id, course_key, received_at=now, passed_at=now, evidence=evidence)
    progressed = set(
        BlockCompletion.objects.filter(
            user_id__in=list(enrolled_users), context_key__in=list(target.course_keys), completion__gt=0
        ).values_list("user_id", flat=True)
    )
    for user_id, assignment in by_user.items():
        courses_passed = passed.get(user_id, set())
        if courses_passed and courses_passed >= set(target.course_keys):
            complete(assignment, now, evidence_of.get(user_id, "grade"), actor=None)
        elif user_id in progressed or courses_passed:
            mark_progress(assignment, now)
