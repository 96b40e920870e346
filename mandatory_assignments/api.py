"""
The public Python API of mandatory assignments.

Views, tasks, receivers and other apps call these functions; nothing outside this module (and the
modules it delegates to) writes the models.
"""

import datetime
import json
import logging
import uuid

from completion.models import BlockCompletion
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from opaque_keys.edx.keys import CourseKey

from . import access, compat, notifications, rules, targets
from .conf import default_time_zone_name, setting
from .data import BulkResult
from .models import (
    Assignment,
    AuditEntry,
    BulkJob,
    CompletedCycle,
    CourseEvidence,
    Delivery,
    EmailTemplate,
    ManagerRelation,
    Reminder,
)

log = logging.getLogger(__name__)

BULK_CHUNK_SIZE = 500
UNCHANGED = object()

ERROR_CODES = (
    "due_date_too_soon",
    "unknown_target",
    "unknown_user",
    "other_company",
    "already_assigned",
    "completed_cannot_withdraw",
    "completed_cannot_edit",
    "invalid_reminder",
    "invalid_repetition",
    "invalid_note",
    "invalid_due_date",
    "not_allowed",
)


class AssignmentError(ValidationError):
    """
    A request the rules of mandatory assignments refuse; ``code`` says which rule.

    ``field`` names the input at fault, where there is one.
    """

    def __init__(self, code, message, field=None):
        assert code in ERROR_CODES, code
        super().__init__(message, code=code)
        self.field = field


# Reading ------------------------------------------------------------------------------------------


def status_q(statuses, now=None):
    """A filter for assignments whose status, computed at ``now``, is one of ``statuses``."""
    now = now or timezone.now()
    conditions = {
        rules.COMPLETED: Q(completed_at__isnull=False),
        rules.OVERDUE: Q(completed_at__isnull=True, deadline__lte=now),
        rules.IN_PROGRESS: Q(completed_at__isnull=True, deadline__gt=now, progressed_at__isnull=False),
        rules.ASSIGNED: Q(completed_at__isnull=True, deadline__gt=now, progressed_at__isnull=True),
    }
    combined = Q(pk__in=[])
    for status in statuses:
        combined |= conditions[status]
    return combined


def get_assignments(*, user=None, target=None, statuses=None):
    """Assignments, optionally of one person, one target and some statuses (``None``: every status)."""
    rows = Assignment.objects.select_related("user", "assigned_by").prefetch_related("reminder_rows")
    if user is not None:
        rows = rows.filter(user=user)
    if target is not None:
        rows = rows.filter(target_key=str(target))
    if statuses is not None:
        if isinstance(statuses, str):
            statuses = [statuses]
        unknown = set(statuses) - set(rules.STATUSES)
        if unknown:
            raise ValueError(f"unknown statuses: {sorted(unknown)}")
        rows = rows.filter(status_q(statuses))
    return rows


def user_time_zone(user):
    return rules.time_zone_or_default(
        compat.get_user_preference(user, compat.TIME_ZONE_PREFERENCE), default_time_zone_name()
    )


def time_zones_of(user_ids):
    """``{user_id: ZoneInfo}`` in one query."""
    names = compat.get_preference_for_users(user_ids, compat.TIME_ZONE_PREFERENCE)
    default = default_time_zone_name()
    return {user_id: rules.time_zone_or_default(names.get(user_id), default) for user_id in user_ids}


# Validation ---------------------------------------------------------------------------------------


def _parse_due_date(value):
    if isinstance(value, datetime.datetime):
        raise ValidationError(_("The due date must be a calendar date, not a moment."), code="invalid")
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValidationError(_("Enter the due date as YYYY-MM-DD."), code="invalid") from exc


def _check_due_date(due_date, tz, now):
    earliest = rules.earliest_due_date(now, tz, setting("MIN_LEAD_DAYS"))
    if due_date < earliest:
        raise AssignmentError(
            "due_date_too_soon",
            _("The due date must be on or after {date}.").format(date=earliest.isoformat()),
            "due_date",
        )


def _check_repeat_weeks(repeat_weeks):
    if not rules.repeat_weeks_valid(repeat_weeks):
        low, high = rules.REPEAT_WEEKS_RANGE
        raise AssignmentError(
            "invalid_repetition",
            _("Repetition must be a whole number of weeks from {low} to {high}, or empty.").format(low=low, high=high),
            "repeat_weeks",
        )


def _clean_reminders(reminders):
    if reminders is None:
        reminders = setting("DEFAULT_REMINDERS")
    names = {spec.get("template") for spec in reminders if isinstance(spec, dict) and spec.get("template")}
    known = set(EmailTemplate.objects.filter(name__in=names).values_list("name", flat=True)) if names else set()
    errors = rules.reminder_errors(reminders, max_reminders=setting("MAX_REMINDERS"), known_templates=known)
    if errors:
        raise AssignmentError("invalid_reminder", " ".join(str(error) for error in errors), "reminders")
    return rules.normalise_reminders(reminders)


def _resolve_target(target):
    resolved = targets.resolve(target)
    if resolved is None:
        raise AssignmentError(
            "unknown_target", _("There is no course or learning path {key}.").format(key=target), "target"
        )
    return resolved


def _check_may_manage(by, target):
    if not access.can_manage_target(by, target):
        raise AssignmentError(
            "not_allowed", _("You may not assign or change assignments of {name}.").format(name=target.display_name)
        )


def _check_target_company(by, target):
    if access.scoped() and not access.unrestricted(by) and not access.target_in_company(target, access.company_of(by)):
        raise AssignmentError("other_company", _("This course belongs to another company."), "target")


def _check_person_company(by, user, companies):
    if not access.scoped() or access.unrestricted(by):
        return True
    return access.same_company(companies.get(by.id), companies.get(user.id))


def _already_assigned():
    return AssignmentError("already_assigned", _("This person already has an open assignment for this target."), "user")


def _check_person(user):
    if user is None or not isinstance(user, get_user_model()) or not user.is_active:
        raise AssignmentError("unknown_user", _("There is no such active person."), "user")


# Scheduling of reminders --------------------------------------------------------------------------


def _reminder_rows(assignment, specs, tz, now):
    return [
        Reminder(
            assignment=assignment,
            days=spec["days"],
            recipient=spec["recipient"],
            template=spec["template"] or "",
            fire_at=_next_fire_at(assignment, spec["days"], tz, now),
        )
        for spec in specs
    ]


def _next_fire_at(assignment, days, tz, now):
    """The reminder's moment for the current due date, unless it is already past (never sent late)."""
    if assignment.completed_at is not None:
        return None
    moment = rules.reminder_moment(assignment.due_date, days, tz)
    return moment if moment > now else None


def reschedule_reminders(assignment, tz=None, now=None):
    """Recompute every reminder's moment against the assignment's due date and the person's zone."""
    now = now or timezone.now()
    tz = tz or user_time_zone(assignment.user)
    for row in assignment.reminder_rows.all():
        fire_at = _next_fire_at(assignment, row.days, tz, now)
        if fire_at != row.fire_at:
            row.fire_at = fire_at
            row.save(update_fields=["fire_at"])


def time_zone_changed(user):
    """The person's time zone changed: their open deadlines and reminder moments move with it."""
    tz = user_time_zone(user)
    now = timezone.now()
    for assignment in Assignment.objects.filter(user=user, completed_at__isnull=True).select_related("user"):
        assignment.deadline = rules.deadline_for(assignment.due_date, tz)
        assignment.save(update_fields=["deadline", "modified"])
        reschedule_reminders(assignment, tz, now)


# Audit --------------------------------------------------------------------------------------------


def audit_entry(assignment, action, actor=None, changes=None):
    """An unsaved audit entry about ``assignment`` (kept after the assignment is withdrawn)."""
    return AuditEntry(
        assignment_id=assignment.pk,
        user_id=assignment.user_id,
        target_key=assignment.target_key,
        actor=actor,
        action=action,
        changes=changes or {},
    )


def record_status(assignment, actor=None, now=None):
    """Write an audit entry when the assignment's status differs from the last one recorded."""
    status = rules.compute_status(
        completed_at=assignment.completed_at,
        progressed_at=assignment.progressed_at,
        deadline=assignment.deadline,
        now=now or timezone.now(),
    )
    if status == assignment.recorded_status:
        return False
    audit_entry(
        assignment,
        AuditEntry.STATUS_CHANGED,
        actor,
        {"from": assignment.recorded_status, "to": status, "cycle": assignment.cycle},
    ).save()
    assignment.recorded_status = status
    Assignment.objects.filter(pk=assignment.pk).update(recorded_status=status)
    return True


# Creating -----------------------------------------------------------------------------------------


def _enroll(user, target):
    """Forced enrollment in the course, or in the path and every course of it."""
    try:
        if target.type == "path":
            targets.enroll_in_path(user, target.key)
        for course_key in target.course_keys:
            compat.enroll(user, CourseKey.from_string(course_key))
    except compat.EnrollmentError as exc:
        raise AssignmentError(
            "not_allowed", _("The platform refused the enrollment: {reason}").format(reason=exc)
        ) from exc


def _new_assignment(*, user, target, due_date, tz, assigned_by, repeat_weeks, note, now):
    return Assignment(
        user=user,
        target_key=target.key,
        target_type=target.type,
        assigned_by=assigned_by,
        due_date=due_date,
        deadline=rules.deadline_for(due_date, tz),
        repeat_weeks=repeat_weeks,
        note=note or "",
        cycle=1,
        cycle_started_at=now,
    )


def _creation_changes(assignment, specs):
    return {
        "due_date": assignment.due_date.isoformat(),
        "repeat_weeks": assignment.repeat_weeks,
        "note": assignment.note,
        "reminders": specs,
    }


def assign(*, user, target, due_date, assigned_by, repeat_weeks=None, note="", reminders=None):
    """
    Assign ``target`` (a course or learning path key) to ``user`` by ``due_date``.

    Enrolls the person, schedules the reminders, sends the "assigned" email after commit, and
    recognises what the person already did (an existing pass completes the assignment at once).
    """
    now = timezone.now()
    _check_person(user)
    resolved = _resolve_target(target)
    _check_may_manage(assigned_by, resolved)
    _check_target_company(assigned_by, resolved)
    if not _check_person_company(assigned_by, user, access.companies_of([assigned_by.id, user.id])):
        raise AssignmentError("other_company", _("This person belongs to another company."), "user")
    _check_repeat_weeks(repeat_weeks)
    specs = _clean_reminders(reminders)
    due_date = _parse_due_date(due_date)
    tz = user_time_zone(user)
    _check_due_date(due_date, tz, now)
    if Assignment.objects.filter(user=user, target_key=resolved.key, is_open=True).exists():
        raise _already_assigned()

    already_enrolled = compat.enrolled_course_keys([user.id], resolved.course_keys)
    try:
        with transaction.atomic():
            assignment = _new_assignment(
                user=user,
                target=resolved,
                due_date=due_date,
                tz=tz,
                assigned_by=assigned_by,
                repeat_weeks=repeat_weeks,
                note=note,
                now=now,
            )
            assignment.save()
            Reminder.objects.bulk_create(_reminder_rows(assignment, specs, tz, now))
            audit_entry(assignment, AuditEntry.CREATED, assigned_by, _creation_changes(assignment, specs)).save()
            _enroll(user, resolved)
            _recognise_existing_state([assignment], resolved, already_enrolled, now)
    except IntegrityError as exc:  # assigned by someone else meanwhile
        raise _already_assigned() from exc
    transaction.on_commit(lambda: notifications.assigned([assignment.pk]))
    return Assignment.objects.select_related("user", "assigned_by").get(pk=assignment.pk)


def _recognise_existing_state(assignments, target, already_enrolled, now):
    """
    Start each new assignment at the person's current state in the target: passed courses (read from
    the platform's grades for those already enrolled) and completed blocks.
    """
    by_user = {assignment.user_id: assignment for assignment in assignments}
    enrolled_users = {user_id for user_id, _course in already_enrolled if user_id in by_user}
    passed = {}  # user_id -> set of course keys passed
    for user_id in enrolled_users:
        user = by_user[user_id].user
        for course_key in target.course_keys:
            if (user_id, course_key) in already_enrolled:
                is_passing, _percent = compat.read_course_grade(user, CourseKey.from_string(course_key))
                if is_passing:
                    passed.setdefault(user_id, set()).add(course_key)
                    _store_evidence(user_id, course_key, now, "grade", keep_earlier=True)
    progressed = (
        set(
            BlockCompletion.objects.filter(
                user_id__in=list(enrolled_users), context_key__in=list(target.course_keys), completion__gt=0
            ).values_list("user_id", flat=True)
        )
        if enrolled_users
        else set()
    )
    for user_id, assignment in by_user.items():
        courses_passed = passed.get(user_id, set())
        if courses_passed and courses_passed >= set(target.course_keys):
            _complete(assignment, now, "grade", actor=None)
        elif user_id in progressed or courses_passed:
            _mark_progress(assignment, now)


# Bulk ---------------------------------------------------------------------------------------------


def _resolve_people(users):
    """Split the given people into User objects (deduplicated, in order) and values that name nobody."""
    User = get_user_model()
    found, values = [], []
    for item in users:
        (found if isinstance(item, User) else values).append(item)
    names = [str(value).strip() for value in values]
    by_username = {u.username: u for u in User.objects.filter(username__in=names)}
    emails = {name for name in names if "@" in name}
    emails |= {email.lower() for email in emails}  # as typed, or stored in lower case
    by_email = {u.email.lower(): u for u in User.objects.filter(email__in=emails)} if emails else {}
    invalid = []
    for value, name in zip(values, names, strict=True):
        user = by_username.get(name) or by_email.get(name.lower())
        if user is None:
            invalid.append((value, _("No person with the username or email {value!r}.").format(value=name)))
        else:
            found.append(user)
    unique, seen = [], set()
    for user in found:
        if user.pk not in seen:
            seen.add(user.pk)
            unique.append(user)
    return unique, invalid


def plan_bulk(*, users, target, due_date, assigned_by, repeat_weeks=None, reminders=None, now=None):
    """
    Validate a bulk assignment without writing anything: ``(target, specs, due_date, plan)`` where plan
    holds ``create`` (users with their zone), ``skipped`` and ``failed`` lists.

    Raises :class:`AssignmentError` for problems of the whole batch (target, permission, reminders…).
    """
    now = now or timezone.now()
    resolved = _resolve_target(target)
    _check_may_manage(assigned_by, resolved)
    _check_target_company(assigned_by, resolved)
    _check_repeat_weeks(repeat_weeks)
    specs = _clean_reminders(reminders)
    due_date = _parse_due_date(due_date)
    people, failed = _resolve_people(users)
    ids = [user.pk for user in people]
    companies = access.companies_of(ids + [assigned_by.pk]) if access.scoped() else {}
    zones = time_zones_of(ids)
    open_ids = set(
        Assignment.objects.filter(user_id__in=ids, target_key=resolved.key, is_open=True).values_list(
            "user_id", flat=True
        )
    )
    earliest_allowed = {}
    create, skipped = [], []
    for user in people:
        if not user.is_active:
            failed.append((user, _("This person's account is not active.")))
        elif not _check_person_company(assigned_by, user, companies):
            failed.append((user, _("This person belongs to another company.")))
        elif user.pk in open_ids:
            skipped.append((user, _("already assigned")))
        else:
            tz = zones[user.pk]
            if tz not in earliest_allowed:
                earliest_allowed[tz] = rules.earliest_due_date(now, tz, setting("MIN_LEAD_DAYS"))
            if due_date < earliest_allowed[tz]:
                failed.append(
                    (user, _("The due date must be on or after {date}.").format(date=earliest_allowed[tz].isoformat()))
                )
            else:
                create.append((user, tz))
    return resolved, specs, due_date, {"create": create, "skipped": skipped, "failed": failed}


def bulk_assign(*, users, target, due_date, assigned_by, repeat_weeks=None, note="", reminders=None, progress=None):
    """
    Assign ``target`` to many people: each is created, skipped (already assigned) or failed, never the
    whole batch. Creates in chunks, one transaction each; ``progress(result)`` is called after each
    chunk with the result so far.
    """
    now = timezone.now()
    resolved, specs, due_date, plan = plan_bulk(
        users=users,
        target=target,
        due_date=due_date,
        assigned_by=assigned_by,
        repeat_weeks=repeat_weeks,
        reminders=reminders,
        now=now,
    )
    result = BulkResult(skipped=plan["skipped"], failed=plan["failed"])
    pending = plan["create"]
    for start in range(0, len(pending), BULK_CHUNK_SIZE):
        chunk = pending[start : start + BULK_CHUNK_SIZE]
        created, skipped, failed = _create_chunk(chunk, resolved, due_date, assigned_by, repeat_weeks, note, specs, now)
        result.created.extend(created)
        result.skipped.extend(skipped)
        result.failed.extend(failed)
        if progress:
            progress(result)
    return result


# Bulk in the background ---------------------------------------------------------------------------


def _person_entry(user):
    # Ids, not usernames: the platform's retirement renames the account and the job follows.
    return {"id": user.pk}


def _failed_entry(value, message):
    if isinstance(value, get_user_model()):
        return {"id": value.pk, "message": str(message)}
    return {"value": str(value), "message": str(message)}


def start_bulk_assign(*, users, target, due_date, assigned_by, repeat_weeks=None, note="", reminders=None):
    """
    Validate a bulk assignment now (batch-level problems raise :class:`AssignmentError`, nothing written)
    and create it in the background; returns the :class:`BulkJob` whose progress ``get_bulk_job`` reads.
    """
    resolved, specs, due_date, plan = plan_bulk(
        users=users,
        target=target,
        due_date=due_date,
        assigned_by=assigned_by,
        repeat_weeks=repeat_weeks,
        reminders=reminders,
    )
    job = BulkJob.objects.create(
        task_id=str(uuid.uuid4()),
        requested_by=assigned_by,
        target_key=resolved.key,
        params={
            "user_ids": [user.pk for user, _tz in plan["create"]],
            "due_date": due_date.isoformat(),
            "repeat_weeks": repeat_weeks,
            "note": note or "",
            "reminders": specs,
            "skipped": [{**_person_entry(user), "reason": str(reason)} for user, reason in plan["skipped"]],
            "failed": [_failed_entry(value, message) for value, message in plan["failed"]],
        },
        total=len(plan["create"]) + len(plan["skipped"]) + len(plan["failed"]),
    )
    from . import tasks  # pylint: disable=import-outside-toplevel

    transaction.on_commit(lambda: tasks.run_bulk_job.delay(job.task_id))
    return job


def run_bulk_job(task_id):
    """
    Run (or resume) a background bulk assignment. People created by an earlier, interrupted run count as
    created; the rest are assigned now, so a re-run completes the batch without duplicates.
    """
    job = BulkJob.objects.select_related("requested_by").get(task_id=task_id)
    if job.state == "SUCCESS":
        return job
    params = job.params
    created_before = list(job.created_users)
    done_ids = {entry["id"] for entry in created_before}
    todo = [user_id for user_id in params["user_ids"] if user_id not in done_ids]
    by_id = get_user_model().objects.in_bulk(todo)
    BulkJob.objects.filter(pk=job.pk).update(state="STARTED")

    def record(result, state="STARTED"):
        created = created_before + [_person_entry(row.user) for row in result.created]
        skipped = params["skipped"] + [
            {**_person_entry(user), "reason": str(reason)} for user, reason in result.skipped
        ]
        failed = params["failed"] + [_failed_entry(value, message) for value, message in result.failed]
        BulkJob.objects.filter(pk=job.pk).update(
            state=state,
            created_users=created,
            skipped=skipped,
            failed=failed,
            done=len(created) + len(skipped) + len(failed),
        )

    try:
        result = bulk_assign(
            users=[by_id[user_id] for user_id in todo if user_id in by_id],
            target=job.target_key,
            due_date=params["due_date"],
            assigned_by=job.requested_by,
            repeat_weeks=params["repeat_weeks"],
            note=params["note"],
            reminders=params["reminders"],
            progress=record,
        )
    except Exception:
        BulkJob.objects.filter(pk=job.pk).update(state="FAILURE")
        raise
    record(result, state="SUCCESS")
    job.refresh_from_db()
    return job


def get_bulk_job(task_id):
    """``{state, done, total, created, skipped, failed}`` of a background bulk assignment, or ``None``."""
    job = BulkJob.objects.filter(task_id=task_id).first()
    if job is None:
        return None
    ids = [entry["id"] for entry in job.created_users + job.skipped + job.failed if "id" in entry]
    usernames = dict(get_user_model().objects.filter(pk__in=ids).values_list("pk", "username"))
    return {
        "state": job.state,
        "done": job.done,
        "total": job.total,
        "created": [usernames.get(entry["id"]) for entry in job.created_users],
        "skipped": [{"user": usernames.get(entry["id"]), "reason": entry["reason"]} for entry in job.skipped],
        "failed": [
            {"value": usernames.get(entry["id"]) if "id" in entry else entry["value"], "message": entry["message"]}
            for entry in job.failed
        ],
    }


def _create_chunk(chunk, target, due_date, assigned_by, repeat_weeks, note, specs, now):
    """
    Create one chunk in one transaction; returns ``(created, skipped, failed)``. A person whose
    enrollment fails is left out; one assigned by someone else meanwhile is skipped.
    """
    failed, skipped = [], []
    with transaction.atomic():
        already_enrolled = compat.enrolled_course_keys([user.pk for user, _tz in chunk], target.course_keys)
        enrolled = []
        for user, tz in chunk:
            try:
                with transaction.atomic():
                    _enroll(user, target)
            except AssignmentError as exc:
                failed.append((user, exc.message))
            else:
                enrolled.append((user, tz))
        rows = [
            _new_assignment(
                user=user,
                target=target,
                due_date=due_date,
                tz=tz,
                assigned_by=assigned_by,
                repeat_weeks=repeat_weeks,
                note=note,
                now=now,
            )
            for user, tz in enrolled
        ]
        try:
            with transaction.atomic():
                Assignment.objects.bulk_create(rows)
        except IntegrityError:
            # Someone assigned one of these people meanwhile: create one by one, skipping those.
            rows = _create_one_by_one(rows, skipped)
        if rows and rows[0].pk is None:  # MySQL returns no ids from bulk inserts (MariaDB and SQLite do)
            rows = list(
                Assignment.objects.filter(
                    user_id__in=[row.user_id for row in rows], target_key=target.key, is_open=True, created__gte=now
                )
            )
        zones = dict((user.pk, tz) for user, tz in enrolled)
        Reminder.objects.bulk_create(
            [reminder for row in rows for reminder in _reminder_rows(row, specs, zones[row.user_id], now)]
        )
        AuditEntry.objects.bulk_create(
            [audit_entry(row, AuditEntry.CREATED, assigned_by, _creation_changes(row, specs)) for row in rows]
        )
        users = {user.pk: user for user, _tz in enrolled}
        for row in rows:
            row.user = users[row.user_id]
        _recognise_existing_state(rows, target, already_enrolled, now)
        ids = [row.pk for row in rows]
        transaction.on_commit(lambda: notifications.assigned(ids))
    return rows, skipped, failed


def _create_one_by_one(rows, skipped):
    saved = []
    for row in rows:
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:
            skipped.append((row.user, _("already assigned")))
        else:
            saved.append(row)
    return saved


# Editing and withdrawing --------------------------------------------------------------------------


def update(assignment, *, by, due_date=UNCHANGED, note=UNCHANGED, reminders=UNCHANGED, repeat_weeks=UNCHANGED):
    """Change only the fields passed. Editing sends no email; a new due date re-schedules every reminder."""
    now = timezone.now()
    target = targets.resolve(assignment.target_key)
    if target is None:
        raise AssignmentError("unknown_target", _("The assignment's target no longer exists."), "target")
    _check_may_manage(by, target)
    if assignment.completed_at is not None:
        raise AssignmentError("completed_cannot_edit", _("A completed assignment cannot be changed."))
    changes = {}
    tz = user_time_zone(assignment.user)
    if repeat_weeks is not UNCHANGED:
        _check_repeat_weeks(repeat_weeks)
    if reminders is not UNCHANGED:
        specs = _clean_reminders(reminders)  # None: the default reminders, as when assigning
    if due_date is not UNCHANGED:
        due_date = _parse_due_date(due_date)
        if due_date != assignment.due_date:
            _check_due_date(due_date, tz, now)
    with transaction.atomic():
        locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if locked.completed_at is not None:
            raise AssignmentError("completed_cannot_edit", _("A completed assignment cannot be changed."))
        if due_date is not UNCHANGED and due_date != locked.due_date:
            changes["due_date"] = [locked.due_date.isoformat(), due_date.isoformat()]
            locked.due_date = due_date
            locked.deadline = rules.deadline_for(due_date, tz)
        if note is not UNCHANGED and (note or "") != locked.note:
            changes["note"] = [locked.note, note or ""]
            locked.note = note or ""
        if repeat_weeks is not UNCHANGED and repeat_weeks != locked.repeat_weeks:
            changes["repeat_weeks"] = [locked.repeat_weeks, repeat_weeks]
            locked.repeat_weeks = repeat_weeks
        locked.save()
        if reminders is not UNCHANGED:
            before = locked.reminders
            if before != specs:
                changes["reminders"] = [before, specs]
                locked.reminder_rows.all().delete()
                Reminder.objects.bulk_create(_reminder_rows(locked, specs, tz, now))
        if "due_date" in changes:
            reschedule_reminders(locked, tz, now)
        if changes:
            audit_entry(locked, AuditEntry.UPDATED, by, changes).save()
        record_status(locked, actor=by, now=now)
    return Assignment.objects.select_related("user", "assigned_by").get(pk=locked.pk)


def withdraw(assignment, *, by):
    """
    Delete the assignment (an audit entry remains) and tell the person. Their enrollment stays.
    A completed non-repeating assignment stays in the records and cannot be withdrawn.
    """
    target = targets.resolve(assignment.target_key)
    if target is not None:
        _check_may_manage(by, target)
    elif not compat.is_global_staff(by):
        raise AssignmentError("not_allowed", _("You may not withdraw this assignment."))
    with transaction.atomic():
        locked = Assignment.objects.select_for_update().select_related("user").get(pk=assignment.pk)
        if locked.completed_at is not None and not locked.repeat_weeks:
            raise AssignmentError("completed_cannot_withdraw", _("A completed assignment cannot be withdrawn."))
        notice = notifications.withdrawn_notice(locked)
        audit_entry(
            locked,
            AuditEntry.WITHDRAWN,
            by,
            {"due_date": locked.due_date.isoformat(), "cycle": locked.cycle, "status": locked.status},
        ).save()
        locked.delete()
        transaction.on_commit(lambda: notifications.withdrawn(notice))


# Status tracking ----------------------------------------------------------------------------------


def _store_evidence(user_id, course_key, passed_at, evidence, keep_earlier):
    """Record a pass; with ``keep_earlier`` an existing pass keeps its (earlier) date."""
    row, created = CourseEvidence.objects.get_or_create(
        user_id=user_id, course_key=course_key, defaults={"passed_at": passed_at, "evidence": evidence}
    )
    if not created and (row.passed_at is None or not keep_earlier):
        row.passed_at = passed_at
        row.evidence = evidence
        row.save(update_fields=["passed_at", "evidence", "modified"])
    return row


def _complete(assignment, when, evidence, actor=None):
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
    return Assignment.objects.filter(user_id=user_id, completed_at__isnull=True).exists()


def record_course_passed(user_id, course_key, *, passed_at=None, evidence="passing"):
    """
    The platform says the person passes the course. Idempotent: repeated events change nothing.

    ``passed_at`` is when the pass happened where the platform says so (the grade's first-pass time),
    else now. A course assignment completes; a path completes once every course of it is passed.
    """
    course_key = str(course_key)
    now = timezone.now()
    if not has_open_assignments(user_id):
        return []
    completed = []
    with transaction.atomic():
        evidence_row = _store_evidence(user_id, course_key, passed_at or now, evidence, keep_earlier=passed_at is None)
        for assignment in _open_assignments_touching(user_id, course_key):
            if _target_passed(assignment, evidence_row):
                _complete(assignment, now, evidence)
                completed.append(assignment)
            elif assignment.progressed_at is None and _counts(assignment, evidence_row.passed_at):
                _mark_progress(assignment, now)
    return completed


def _counts(assignment, evidence_at):
    # A later cycle also takes a pass that is older than its start when the person worked in the course
    # again during this cycle and the platform still reports the pass (the course could not be reset).
    return rules.evidence_counts(evidence_at, cycle=assignment.cycle, cycle_started_at=assignment.cycle_started_at) or (
        evidence_at is not None and assignment.cycle > 1 and assignment.progressed_at is not None
    )


def _target_passed(assignment, latest):
    if assignment.target_type == "course":
        return _counts(assignment, latest.passed_at)
    course_keys = targets.course_keys_of_paths([assignment.target_key]).get(assignment.target_key, ())
    if not course_keys:
        return False
    rows = {
        row.course_key: row
        for row in CourseEvidence.objects.filter(user_id=assignment.user_id, course_key__in=course_keys)
    }
    rows[latest.course_key] = latest
    return all(key in rows and _counts(assignment, rows[key].passed_at) for key in course_keys)


def record_course_not_passing(user_id, course_key):
    """
    The platform says the person no longer passes (a reset, or a regrade below the minimum). A
    completed cycle stays completed; only a future pass is dated anew.
    """
    CourseEvidence.objects.filter(user_id=user_id, course_key=str(course_key)).update(passed_at=None)


def _mark_progress(assignment, when):
    assignment.progressed_at = when
    Assignment.objects.filter(pk=assignment.pk).update(progressed_at=when)
    record_status(assignment, now=when)


def record_progress(user_id, course_key):
    """A block was completed in the course: assignments of this course (or a path with it) are in progress."""
    now = timezone.now()
    if not has_open_assignments(user_id):
        return 0
    with transaction.atomic():
        touched = [a for a in _open_assignments_touching(user_id, str(course_key)) if a.progressed_at is None]
        for assignment in touched:
            _mark_progress(assignment, now)
    return len(touched)


# Managers -----------------------------------------------------------------------------------------


def set_managers(user, managers):
    """Replace the person's managers in the built-in manager relation."""
    managers = [manager for manager in managers if manager.pk != user.pk]
    with transaction.atomic():
        ManagerRelation.objects.filter(user=user).exclude(manager__in=managers).delete()
        existing = set(ManagerRelation.objects.filter(user=user).values_list("manager_id", flat=True))
        ManagerRelation.objects.bulk_create(
            [ManagerRelation(user=user, manager=manager) for manager in managers if manager.pk not in existing]
        )


def get_managers(user):
    """The person's managers, from ``MANDATORY_ASSIGNMENTS_MANAGER_RESOLVER``."""
    resolver = import_string(setting("MANAGER_RESOLVER"))
    return list(resolver(user))


# The tick -----------------------------------------------------------------------------------------


def run_scheduler(now=None):
    """
    One tick: send due reminders, mark assignments overdue, start new cycles. Returns counts.
    """
    from . import scheduler  # pylint: disable=import-outside-toplevel

    return scheduler.run(now or timezone.now())


# Enrollment changes, retirement, delivery ----------------------------------------------------------


def record_unenrollment(user_id, course_key):
    """Log that the person left a course of one of their open assignments; the assignment stands."""
    course_key = str(course_key)
    keys = [course_key, *targets.path_keys_containing(course_key)]
    rows = Assignment.objects.filter(user_id=user_id, target_key__in=keys, completed_at__isnull=True)
    AuditEntry.objects.bulk_create(
        [audit_entry(row, AuditEntry.UNENROLLED, None, {"course_key": course_key}) for row in rows]
    )


def retire_user(user):
    """
    Remove the person's personal data (GDPR retirement). Open assignments are withdrawn without email,
    notes and free text are blanked, completed cycles stay, anonymised. Running it twice changes nothing.
    """
    with transaction.atomic():
        open_rows = list(Assignment.objects.filter(user=user, completed_at__isnull=True))
        AuditEntry.objects.bulk_create(
            [audit_entry(row, AuditEntry.RETIRED, None, {"withdrawn": True, "cycle": row.cycle}) for row in open_rows]
        )
        Assignment.objects.filter(pk__in=[row.pk for row in open_rows]).delete()
        Assignment.objects.filter(user=user).exclude(note="").update(note="")
        AuditEntry.objects.filter(user=user).exclude(action=AuditEntry.RETIRED).exclude(changes={}).update(changes={})
        Delivery.objects.filter(recipient=user).exclude(email="").update(email="")
        Delivery.objects.filter(assignment__user=user).exclude(email="").update(email="")
        ManagerRelation.objects.filter(Q(user=user) | Q(manager=user)).delete()
        CourseEvidence.objects.filter(user=user).delete()


def record_message_sent(message):
    """edx-ace handed an email over: mark the delivery that claimed it as sent."""
    from . import delivery  # pylint: disable=import-outside-toplevel

    delivery.mark_sent(message)


def enroll_for_cycle(user, target):
    """Re-enroll the person at the start of a new cycle (forced, like the first enrollment)."""
    _enroll(user, target)


# Groups: cohorts, teams, departments ---------------------------------------------------------------


def _department_of(meta_text, field):
    try:
        meta = json.loads(meta_text or "{}")
    except ValueError:
        return None
    value = meta.get(field) if isinstance(meta, dict) else None
    return value.strip() if isinstance(value, str) and value.strip() else None


def departments(*, by=None):
    """``{department name: [user ids]}`` from the extended-profile field, within ``by``'s company."""
    field = setting("DEPARTMENT_FIELD")
    visible = access.visible_user_ids_filter(by) if by is not None else None
    result = {}
    for user_id, meta_text in compat.iter_profile_meta(user_ids=visible, contains=f'"{field}"'):
        name = _department_of(meta_text, field)
        if name:
            result.setdefault(name, []).append(user_id)
    return result


def list_groups(*, by, course_key=None):
    """The cohorts and teams of a course and the departments, each ``{id, name, size}``, for ``by``."""
    visible = access.visible_user_ids_filter(by)

    def size(ids):
        return len(ids) if visible is None else len(set(ids) & visible)

    groups = {"cohorts": [], "teams": [], "departments": []}
    if course_key is not None:
        key = CourseKey.from_string(str(course_key))
        for cohort in compat.get_course_cohorts(key):
            ids = compat.get_cohort_member_ids(key, cohort.id) or []
            groups["cohorts"].append({"id": cohort.id, "name": cohort.name, "size": size(ids)})
        for team in compat.get_course_teams(key):
            ids = compat.get_team_member_ids(key, team.team_id) or []
            groups["teams"].append({"id": team.team_id, "name": team.name, "size": size(ids)})
    for name, ids in sorted(departments(by=by).items()):
        groups["departments"].append({"id": name, "name": name, "size": len(ids)})
    return groups


def people_in(*, by, course_key=None, users=(), cohorts=(), teams=(), departments_=()):
    """
    The people named individually or through groups, each once, in the order first named, and the values
    that name nobody (``(value, reason)``). People outside ``by``'s company are left out.
    """
    invalid = []
    ids = []
    key = CourseKey.from_string(str(course_key)) if course_key is not None else None
    for cohort_id in cohorts:
        members = compat.get_cohort_member_ids(key, cohort_id) if key is not None else None
        if members is None:
            invalid.append((cohort_id, _("No cohort {value} in this course.").format(value=cohort_id)))
        else:
            ids.extend(members)
    for team_id in teams:
        members = compat.get_team_member_ids(key, team_id) if key is not None else None
        if members is None:
            invalid.append((team_id, _("No team {value} in this course.").format(value=team_id)))
        else:
            ids.extend(members)
    by_department = departments(by=by) if departments_ else {}
    for name in departments_:
        if name not in by_department:
            invalid.append((name, _("No department {value}.").format(value=name)))
        else:
            ids.extend(by_department[name])
    named, unknown = _resolve_people(list(users))
    invalid.extend(unknown)
    visible = access.visible_user_ids_filter(by)
    from_groups = get_user_model().objects.in_bulk(ids)
    people, seen = [], set()
    for user in named + [from_groups[user_id] for user_id in ids if user_id in from_groups]:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        if visible is not None and user.pk not in visible:
            invalid.append((user.username, _("This person belongs to another company.")))
            continue
        people.append(user)
    return people, invalid
