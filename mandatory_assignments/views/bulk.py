"""
Bulk assignment, the wizard: Basic info -> People (Individually, By department, By learning group, Pasted
list) -> Reminders -> Preview -> Confirm -> a banner with created, skipped and failed.

Each step is a plain form; what was chosen so far is kept in the session under the page's scope (one
wizard per course page and one for the organisation page), so the wizard works without JavaScript. A
batch above ``MANDATORY_ASSIGNMENTS_BULK_SYNC_LIMIT`` people runs in the background; its result page
shows the progress (``api.get_bulk_job``), which the script refreshes from the REST endpoint.
"""

import datetime
import re

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import api, rules
from ..conf import setting
from . import _core, forms
from . import _wizard as wizard
from ._pages import BULK_JOB_PATH, page_context, person_label, scope_page

# A pasted list: one entry per line, or separated by commas or semicolons. An entry with spaces is several
# usernames when each word is one ("anna bob"), an address book entry when it holds <an@address>, and
# otherwise one line of garbage, reported once in the preview.
PASTED_ENTRIES = re.compile(r"[\r\n,;]+")
PASTED_NAME = re.compile(r"^[\w.@+-]+$")
ADDRESS_IN_ANGLES = re.compile(r"<([^<>\s]+@[^<>\s]+)>")
MAX_PASTED_VALUES = 10000


def _target_of(scope, state):
    if scope.is_course:
        return scope.course
    key = (state.get("basic") or {}).get("target")
    return _core.resolve_target(key) if key else None


def _context(request, scope, step, **extra):
    state = wizard.state(request, scope)
    return page_context(request, scope, steps=wizard.steps(step), step=step, target=_target_of(scope, state), **extra)


def _require(request, scope, *parts):
    """Redirect to the first step whose answers are missing (someone opened a later step directly)."""
    state = wizard.state(request, scope)
    if "basic" in parts and not state.get("basic"):
        return redirect(scope.url("bulk"))
    if "people" in parts and not wizard.has_people(state.get("people") or {}):
        return redirect(scope.url("bulk-step", step="people"))
    return None


# Step 1: Basic info -------------------------------------------------------------------------------


def _earliest_for_assigner(user):
    return rules.earliest_due_date(timezone.now(), api.user_time_zone(user), setting("MIN_LEAD_DAYS"))


def _basic_form(request, scope, data=None, initial=None):
    return forms.BasicInfoForm(
        data,
        initial=initial,
        fixed_target=scope.course,
        target_choices=() if scope.is_course else _core.target_choices(request.user),
    )


@scope_page
@require_http_methods(["GET", "POST"])
def basic(request, scope):
    """Step 1: the course (or learning path), due date, repetition and note."""
    state = wizard.state(request, scope)
    if request.method == "GET" and request.GET.get("restart"):
        wizard.clear_state(request, scope)
        state = {}
    if request.method == "POST":
        form = _basic_form(request, scope, data=request.POST)
        if form.is_valid():
            data = form.cleaned_data
            target_key = form.target_key()
            earliest = _earliest_for_assigner(request.user)
            if not _core.can_manage(request.user, target_key):
                form.add_error("target", _("You may not assign this course or learning path."))
            elif data["due_date"] < earliest:
                form.add_error(
                    "due_date", _("The due date must be on or after {date}.").format(date=earliest.isoformat())
                )
            else:
                previous_target = (state.get("basic") or {}).get("target")
                state["basic"] = {
                    "target": target_key,
                    "due_date": data["due_date"].isoformat(),
                    "repeat_weeks": data.get("repeat_weeks"),
                    "note": data.get("note") or "",
                }
                if previous_target and previous_target != target_key:
                    # Learning groups belong to a course: another target starts the people afresh.
                    state.pop("people", None)
                wizard.save_state(request, scope, state)
                return redirect(scope.url("bulk-step", step="people"))
    else:
        form = _basic_form(request, scope, initial=state.get("basic") or None)
    form.annotate()
    context = _context(request, scope, "basic", form=form)
    return render(request, "mandatory_assignments/staff/bulk_basic.html", context, status=400 if form.errors else 200)


# Step 2: People -----------------------------------------------------------------------------------


def _groups(request, target):
    course_key = target.key if target is not None and target.type == "course" else None
    return api.list_groups(by=request.user, course_key=course_key)


def _people_step(request, scope):
    redirect_to = _require(request, scope, "basic")
    if redirect_to:
        return redirect_to
    state = wizard.state(request, scope)
    people = dict(state.get("people") or {})
    people.setdefault("users", [])
    target = _target_of(scope, state)
    person_error = None
    people_error = None
    active_tab = request.POST.get("tab") or "individually"
    if request.method == "POST":
        people["departments"] = request.POST.getlist("departments")
        people["cohorts"] = request.POST.getlist("cohorts")
        people["teams"] = request.POST.getlist("teams")
        # Read whole (Django's DATA_UPLOAD_MAX_MEMORY_SIZE bounds a request): a list cut short would drop
        # the people at its end without a word.
        people["pasted"] = request.POST.get("pasted", "")
        if "remove_person" in request.POST:
            people["users"] = [name for name in people["users"] if name != request.POST["remove_person"]]
            active_tab = "individually"
        elif "add_person" in request.POST:
            active_tab = "individually"
            value = request.POST.get("person", "").strip()
            person = _core.find_person(value, by=request.user) if value else None
            if person is None and value:
                person_error = _("No person with the username or email address “{value}” in your company.").format(
                    value=value
                )
            elif person is not None and person.username not in people["users"]:
                people["users"].append(person.username)
        elif (pasted_count := len(_pasted_values(people["pasted"]))) > MAX_PASTED_VALUES:
            active_tab = "pasted"
            people_error = _("The pasted list has {count} entries; paste at most {limit} at a time.").format(
                count=formats.number_format(pasted_count, force_grouping=True),
                limit=formats.number_format(MAX_PASTED_VALUES, force_grouping=True),
            )
        elif wizard.has_people(people):
            state["people"] = people
            wizard.save_state(request, scope, state)
            return redirect(scope.url("bulk-step", step="reminders"))
        else:
            people_error = _(
                "Choose at least one person: individually, by department, by learning group or in a pasted list."
            )
        state["people"] = people
        wizard.save_state(request, scope, state)
    groups = _groups(request, target)
    chosen_users = list(get_user_model().objects.filter(username__in=people["users"]))
    by_pk = _labels(chosen_users)
    labels = {user.username: by_pk[user.pk] for user in chosen_users}
    chosen = [{"username": username, "label": labels.get(username, username)} for username in people["users"]]
    context = _context(
        request,
        scope,
        "people",
        people=people,
        chosen=chosen,
        groups=groups,
        course_target=target is not None and target.type == "course",
        person_error=person_error,
        people_error=people_error,
        active_tab=active_tab,
    )
    status = 400 if (person_error or people_error) else 200
    return render(request, "mandatory_assignments/staff/bulk_people.html", context, status=status)


# Step 3: Reminders --------------------------------------------------------------------------------


def _reminders_step(request, scope):
    redirect_to = _require(request, scope, "basic", "people")
    if redirect_to:
        return redirect_to
    state = wizard.state(request, scope)
    if request.method == "POST" and "add_reminder" in request.POST:
        formset = forms.reminder_formset(request.POST, add_row=True)
    elif request.method == "POST":
        formset = forms.reminder_formset(request.POST)
        if formset.is_valid():
            state["reminders"] = formset.specs()
            wizard.save_state(request, scope, state)
            return redirect(scope.url("bulk-step", step="preview"))
    else:
        saved = state.get("reminders")
        formset = forms.reminder_formset(
            initial=None if saved is None else [dict(spec, template=spec.get("template") or "") for spec in saved]
        )
    if formset.is_bound:
        formset.annotate()
    context = _context(request, scope, "reminders", formset=formset, max_reminders=setting("MAX_REMINDERS"))
    return render(request, "mandatory_assignments/staff/bulk_reminders.html", context)


# Step 4: Preview, and Confirm ---------------------------------------------------------------------


def _pasted_values(text):
    """The usernames and email addresses of a pasted list, as typed; unreadable lines as they are."""
    values = []
    for entry in PASTED_ENTRIES.split(text or ""):
        entry = entry.strip()
        address = ADDRESS_IN_ANGLES.search(entry)
        words = entry.split()
        if address:
            values.append(address.group(1))
        elif words and all(PASTED_NAME.match(word) for word in words):
            values.extend(words)
        elif entry:
            values.append(entry)
    return values


def _people_of(request, state, target):
    people = state.get("people") or {}
    course_key = target.key if target is not None and target.type == "course" else None
    cohorts = [int(value) for value in people.get("cohorts", []) if str(value).isdigit()]
    teams = list(people.get("teams", [])) if course_key else []
    return api.people_in(
        by=request.user,
        course_key=course_key,
        users=list(people.get("users", [])) + _pasted_values(people.get("pasted")),
        cohorts=cohorts if course_key else [],
        teams=teams,
        departments_=list(people.get("departments", [])),
    )


def _plan(request, scope, state):
    """``(people, invalid, plan)`` of the wizard's answers; ``AssignmentError`` for problems of the batch."""
    basic = state["basic"]
    target = _target_of(scope, state)
    if target is None:
        raise api.AssignmentError("unknown_target", _("This course or learning path no longer exists."), "target")
    people, invalid = _people_of(request, state, target)
    _target, _specs, _due, plan = api.plan_bulk(
        users=people,
        target=target.key,
        due_date=datetime.date.fromisoformat(basic["due_date"]),
        assigned_by=request.user,
        repeat_weeks=basic.get("repeat_weeks"),
        reminders=state.get("reminders"),
    )
    return people, invalid, plan


def _labels(users):
    names = _core.display_names([user.pk for user in users])
    return {user.pk: person_label(user, names.get(user.pk)) for user in users}


def _entry_label(value, labels):
    return labels.get(value.pk, value.username) if hasattr(value, "pk") else str(value)


def _step_of_field(field):
    return "reminders" if field == "reminders" else "basic"


def _preview_step(request, scope):
    redirect_to = _require(request, scope, "basic", "people")
    if redirect_to:
        return redirect_to
    state = wizard.state(request, scope)
    try:
        people, invalid, plan = _plan(request, scope, state)
    except api.AssignmentError as exc:
        step = _step_of_field(exc.field)
        context = _context(
            request,
            scope,
            "preview",
            batch_error=" ".join(str(message) for message in exc.messages),
            fix_url=scope.url("bulk") if step == "basic" else scope.url("bulk-step", step=step),
        )
        return render(request, "mandatory_assignments/staff/bulk_preview.html", context, status=400)
    if request.method == "POST" and "confirm" in request.POST:
        return _confirm(request, scope, state, people, invalid)
    everyone = [user for user, _tz in plan["create"]] + [user for user, _reason in plan["skipped"]]
    everyone += [value for value, _message in plan["failed"] if hasattr(value, "pk")]
    labels = _labels(everyone)
    context = _context(
        request,
        scope,
        "preview",
        count=len(plan["create"]),
        create=[labels[user.pk] for user, _tz in plan["create"]],
        skipped=[(labels[user.pk], reason) for user, reason in plan["skipped"]],
        failed=[(_entry_label(value, labels), message) for value, message in plan["failed"]]
        + [(str(value), reason) for value, reason in invalid],
        basic=state["basic"],
        reminders=state.get("reminders"),
        background=len(people) > setting("BULK_SYNC_LIMIT"),
    )
    return render(request, "mandatory_assignments/staff/bulk_preview.html", context)


def _confirm(request, scope, state, people, invalid):
    basic = state["basic"]
    arguments = {
        "users": people,
        "target": basic["target"] if not scope.is_course else scope.course_key,
        "due_date": datetime.date.fromisoformat(basic["due_date"]),
        "assigned_by": request.user,
        "repeat_weeks": basic.get("repeat_weeks"),
        "note": basic.get("note") or "",
        "reminders": state.get("reminders"),
    }
    invalid_entries = [[str(value), str(reason)] for value, reason in invalid]
    try:
        if len(people) > setting("BULK_SYNC_LIMIT"):
            job = api.start_bulk_assign(**arguments)
            token = wizard.remember_result(request, scope, {"task_id": job.task_id, "invalid": invalid_entries})
        else:
            result = api.bulk_assign(**arguments)
            labels = _labels([row.user for row in result.created] + [user for user, _reason in result.skipped])
            token = wizard.remember_result(
                request,
                scope,
                {
                    "created": [labels[row.user.pk] for row in result.created],
                    "skipped": [[labels[user.pk], str(reason)] for user, reason in result.skipped],
                    "failed": [[_entry_label(value, labels), str(message)] for value, message in result.failed]
                    + invalid_entries,
                },
            )
    except api.AssignmentError as exc:
        messages.error(request, " ".join(str(message) for message in exc.messages))
        return redirect(scope.url("bulk-step", step="preview"))
    wizard.clear_state(request, scope)
    return redirect(scope.url("bulk-result", token=token))


_STEP_VIEWS = {"people": _people_step, "reminders": _reminders_step, "preview": _preview_step}


@scope_page
@require_http_methods(["GET", "POST"])
def step(request, scope, step):
    """Steps 2-4 (People, Reminders, Preview with Confirm)."""
    view = _STEP_VIEWS.get(step)
    if view is None:
        raise Http404
    return view(request, scope)


# The result ---------------------------------------------------------------------------------------


@scope_page
def result(request, scope, token):
    """The banner: created, skipped, failed; for a background batch its progress until it is done."""
    stored = (request.session.get(wizard.results_key(scope)) or {}).get(token)
    if stored is None:
        raise Http404
    job = None
    if "task_id" in stored:
        job = api.get_bulk_job(stored["task_id"])
        if job is None:
            raise Http404
        finished = job["state"] in ("SUCCESS", "FAILURE")
        outcome = {
            "created": [name for name in job["created"] if name],
            "skipped": [[entry["user"], entry["reason"]] for entry in job["skipped"]],
            "failed": [[entry["value"], entry["message"]] for entry in job["failed"]] + stored.get("invalid", []),
        }
    else:
        finished = True
        outcome = stored
    context = page_context(
        request,
        scope,
        steps=wizard.steps(None if finished else "confirm"),
        outcome=outcome,
        job=job,
        finished=finished,
        job_url=BULK_JOB_PATH.format(task_id=stored["task_id"]) if job else None,
        percent=round(100 * job["done"] / job["total"]) if job and job["total"] else (100 if finished else 0),
    )
    return render(request, "mandatory_assignments/staff/bulk_result.html", context)
