"""
Assigning many people at once: each person is created, skipped (already assigned) or failed, never the
whole batch. Chunks of ``BULK_CHUNK_SIZE``, one transaction each, ``bulk_create`` per table; large
batches run in the background as a :class:`~mandatory_assignments.models.BulkJob` with visible progress,
safe to run again after a worker died.
"""

import uuid

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import access, compat, notifications, outbox, rules, validation
from .assigning import creation_changes, new_assignment
from .audit import audit_entry
from .conf import setting
from .data import BulkResult
from .enrollment import enroll
from .errors import AssignmentError
from .evidence import recognise_existing_state
from .models import Assignment, AuditEntry, BulkJob, Reminder
from .reminders import clean_reminders, reminder_rows
from .zones import time_zones_of

BULK_CHUNK_SIZE = 500
RUN_TASK = "mandatory_assignments.tasks.run_bulk_job"


def resolve_people(users):
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


def plan_bulk(*, users, target, due_date, assigned_by, repeat_weeks=None, note="", reminders=None, now=None):
    """
    Validate a bulk assignment without writing anything: ``(target, specs, due_date, plan)`` where plan
    holds ``create`` (users with their zone), ``skipped`` and ``failed`` lists.

    Raises :class:`AssignmentError` for problems of the whole batch (target, permission, reminders…).
    """
    now = now or timezone.now()
    resolved = validation.resolve_target(target)
    validation.check_may_manage(assigned_by, resolved)
    validation.check_target_company(assigned_by, resolved)
    validation.check_repeat_weeks(repeat_weeks)
    validation.clean_note(note)
    specs = clean_reminders(reminders)
    due_date = validation.parse_due_date(due_date, now)
    people, failed = resolve_people(users)
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
        elif not validation.same_company(assigned_by, user, companies):
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
        note=note,
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
        note=note,
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
    outbox.queue(RUN_TASK, job.task_id)
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
    created = list(job.created_users)
    done_ids = {entry["id"] for entry in created}
    todo = [user_id for user_id in params["user_ids"] if user_id not in done_ids]
    skipped, failed = list(params["skipped"]), list(params["failed"])
    BulkJob.objects.filter(pk=job.pk).update(state="STARTED")

    def record(state="STARTED"):
        BulkJob.objects.filter(pk=job.pk).update(
            state=state,
            created_users=created,
            skipped=skipped,
            failed=failed,
            done=len(created) + len(skipped) + len(failed),
        )

    try:
        # One chunk of people at a time, loaded when its turn comes: the worker's memory holds one chunk's
        # people and rows, not the whole batch's (ids and the progress record aside). A chunk and the
        # job's progress commit together: a worker killed after a chunk's assignments were written but
        # before its progress was would leave a re-run to find them "already assigned".
        for start in range(0, len(todo), BULK_CHUNK_SIZE):
            ids = todo[start : start + BULK_CHUNK_SIZE]
            with transaction.atomic():
                by_id = get_user_model().objects.in_bulk(ids)
                result = bulk_assign(
                    users=[by_id[user_id] for user_id in ids if user_id in by_id],
                    target=job.target_key,
                    due_date=params["due_date"],
                    assigned_by=job.requested_by,
                    repeat_weeks=params["repeat_weeks"],
                    note=params["note"],
                    reminders=params["reminders"],
                )
                created.extend(_person_entry(row.user) for row in result.created)
                skipped.extend({**_person_entry(user), "reason": str(reason)} for user, reason in result.skipped)
                failed.extend(_failed_entry(value, message) for value, message in result.failed)
                record()
    except Exception:
        BulkJob.objects.filter(pk=job.pk).update(state="FAILURE")
        raise
    record(state="SUCCESS")
    # The note is free text about people: kept only while the job may still need it.
    BulkJob.objects.filter(pk=job.pk).update(params={**params, "note": ""})
    job.refresh_from_db()
    return job


def may_see_bulk_job(by, job):
    """The person who asked for the job sees it; global staff too, within their company (superusers: all)."""
    if not access.is_active_user(by):
        return False
    if job.requested_by_id == by.pk or access.unrestricted(by):
        return True
    if not access.is_global_staff(by) or job.requested_by_id is None:
        return False
    if not access.scoped():
        return True
    companies = access.companies_of([by.pk, job.requested_by_id])
    return companies[by.pk] == companies[job.requested_by_id]


def get_bulk_job(task_id, *, by=None):
    """
    ``{state, done, total, created, skipped, failed}`` of a background bulk assignment, or ``None`` when
    there is none or ``by`` (when given) may not see it.
    """
    job = BulkJob.objects.filter(task_id=str(task_id)).first()
    if job is None or (by is not None and not may_see_bulk_job(by, job)):
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
        # The chunk's enrollments, read once: who is enrolled already, and in which mode (kept).
        states = compat.enrollment_states([user.pk for user, _tz in chunk], target.course_keys)
        already_enrolled = {key for key, (is_active, _mode) in states.items() if is_active}
        enrolled = []
        for user, tz in chunk:
            try:
                with transaction.atomic():
                    enroll(user, target, states)
            except AssignmentError as exc:
                failed.append((user, exc.message))
            else:
                enrolled.append((user, tz))
        rows = [
            new_assignment(
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
            [reminder for row in rows for reminder in reminder_rows(row, specs, zones[row.user_id], now)]
        )
        AuditEntry.objects.bulk_create(
            [audit_entry(row, AuditEntry.CREATED, assigned_by, creation_changes(row, specs)) for row in rows]
        )
        users = {user.pk: user for user, _tz in enrolled}
        for row in rows:
            row.user = users[row.user_id]
        recognise_existing_state(rows, target, already_enrolled, now)
        notifications.assigned(rows)
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


