"""
Staff pages: the overview of assignments (a course's, or the organisation's), New, an assignment's page,
Edit and Withdraw. The bulk wizard is in ``bulk.py``.

Server-rendered: tables and forms are in the HTML, and everything works without JavaScript; the script
adds the people autocomplete and the reminders editor's add/remove without a round trip.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from .. import api, listing, rules
from ..conf import setting
from . import _core, forms
from . import history as history_view
from ._pages import (
    EXPORT_PATH,
    STATUS_LABELS,
    assignment_page,
    page_context,
    person_label,
    query_string,
    scope_of_assignment,
    scope_page,
    status_badge,
)

PAGE_SIZE = 25
SORT_COLUMNS = (
    ("person", gettext_lazy("Person")),
    ("due_date", gettext_lazy("Due date")),
    ("status", gettext_lazy("Status")),
)


# Overview -----------------------------------------------------------------------------------------


def _listing_params(request, scope):
    """The listing's parameters from the query string; bad values are reported and replaced by defaults."""
    statuses = [name for value in request.GET.getlist("status") for name in value.split(",") if name.strip()]
    raw = {
        "status": ",".join(statuses) or None,
        "q": request.GET.get("q"),
        "sort": request.GET.get("sort"),
        "order": request.GET.get("order"),
        "target": None if scope.is_course else request.GET.get("target"),
    }
    try:
        return listing.params_from_query(raw), None
    except ValidationError as exc:
        return listing.params_from_query({"q": raw["q"]}), " ".join(exc.messages)


def _selected_statuses(params):
    statuses = listing.parse_statuses(params.filters.get("status"))
    return list(rules.STATUSES) if statuses is None else list(statuses)


def _export_url(scope, params, selected):
    query = {}
    if set(selected) == set(rules.STATUSES):
        query["status"] = listing.ALL
    elif set(selected) != set(listing.DEFAULT_STATUSES):
        query["status"] = ",".join(selected)
    if scope.is_course:
        query["target"] = scope.course_key
    elif params.filters.get("target"):
        query["target"] = params.filters["target"]
    if params.filters.get("q"):
        query["q"] = params.filters["q"]
    query["sort"] = ("-" if params.descending else "") + params.sort
    return EXPORT_PATH + query_string({key: [value] for key, value in query.items()})


def _chart(counts, selected, request):
    params = dict(request.GET.lists())
    highest = max([counts.get(status, 0) for status in rules.STATUSES] + [1])
    return [
        {
            **status_badge(status),
            "count": counts.get(status, 0),
            "percent": round(100 * counts.get(status, 0) / highest),
            "selected": status in selected,
            "url": query_string(params, status=status, page=None),
        }
        for status in rules.STATUSES
    ]


def _sort_headers(request, params):
    query = dict(request.GET.lists())
    headers = []
    for key, label in SORT_COLUMNS:
        current = params.sort == key
        descending = current and not params.descending
        headers.append(
            {
                "key": key,
                "label": label,
                "aria_sort": ("descending" if params.descending else "ascending") if current else None,
                "url": query_string(query, sort=("-" if descending else "") + key, order=None, page=None),
            }
        )
    return headers


def _rows(page, scope):
    rows = []
    for assignment in page:
        rows.append(
            {
                "assignment": assignment,
                "person": person_label(assignment.user, getattr(assignment, "person_name", None)),
                "email": assignment.user.email,
                "target_name": getattr(assignment, "target_name", None) or assignment.target_key,
                "badge": status_badge(assignment.status),
                "assigned_by": person_label(assignment.assigned_by) if assignment.assigned_by_id else "",
            }
        )
    return rows


@scope_page
def overview(request, scope):
    """The table of assignments: status filter (default open and overdue), counts, search, sorting, pages."""
    params, problem = _listing_params(request, scope)
    base = _core.visible_assignments(request.user, target=scope.course_key)
    filters = dict(params.filters)
    rows = listing.filter_assignments(base, **filters)
    counts = listing.status_counts(listing.filter_assignments(base, **{**filters, "status": listing.ALL}))
    rows = listing.sort_assignments(listing.with_names(rows), params.sort, descending=params.descending)
    # The list's length is the sum of the selected statuses' counts: no second count of the same rows.
    count = listing.count_from_status_counts(counts, filters.get("status"))
    page = listing.ListPaginator(rows, PAGE_SIZE, count=count).get_page(request.GET.get("page"))
    selected = _selected_statuses(params)
    query = dict(request.GET.lists())
    context = page_context(
        request,
        scope,
        page=page,
        rows=_rows(page, scope),
        chart=_chart(counts, selected, request),
        total=counts.get("total", 0),
        status_options=[(status, STATUS_LABELS[status]) for status in rules.STATUSES],
        selected_statuses=selected,
        q=params.filters.get("q") or "",
        target_filter=params.filters.get("target") or "",
        target_choices=() if scope.is_course else _core.target_choices(request.user),
        sort_headers=_sort_headers(request, params),
        export_url=_export_url(scope, params, selected),
        previous_url=query_string(query, page=str(page.previous_page_number())) if page.has_previous() else None,
        next_url=query_string(query, page=str(page.next_page_number())) if page.has_next() else None,
        problem=problem,
    )
    return render(request, "mandatory_assignments/staff/overview.html", context)


# New ----------------------------------------------------------------------------------------------


def _assignment_form(request, scope, data=None, initial=None):
    return forms.AssignmentForm(
        data,
        initial=initial,
        by=request.user,
        fixed_target=scope.course,
        target_choices=() if scope.is_course else _core.target_choices(request.user),
    )


def _initial_from(data, names):
    return {name: data.get(name) for name in names if data.get(name) not in (None, "")}


@scope_page
@require_http_methods(["GET", "POST"])
def new(request, scope):
    """New: one person, with the people autocomplete and the reminders editor."""
    if request.method == "POST" and "add_reminder" in request.POST:
        # "Add reminder" without JavaScript: the form comes back as typed, with one more reminder row.
        form = _assignment_form(request, scope, initial=_initial_from(request.POST, forms.AssignmentForm.field_order))
        formset = forms.reminder_formset(request.POST, add_row=True)
    elif request.method == "POST":
        form = _assignment_form(request, scope, data=request.POST)
        formset = forms.reminder_formset(request.POST)
        form_valid, formset_valid = form.is_valid(), formset.is_valid()
        if form_valid and formset_valid:
            data = form.cleaned_data
            try:
                assignment = api.assign(
                    user=data["person"],
                    target=form.target_key(),
                    due_date=data["due_date"],
                    assigned_by=request.user,
                    repeat_weeks=data.get("repeat_weeks"),
                    note=data.get("note") or "",
                    reminders=formset.specs(),
                )
            except api.AssignmentError as exc:
                forms.add_assignment_error(form, exc)
            else:
                messages.success(
                    request,
                    _("Assigned to {person}, due {due_date}.").format(
                        person=person_label(assignment.user), due_date=assignment.due_date.isoformat()
                    ),
                )
                return redirect("mandatory_assignments:staff-assignment", assignment_id=assignment.pk)
    else:
        form = _assignment_form(request, scope)
        formset = forms.reminder_formset()
    form.annotate()
    context = page_context(request, scope, form=form, formset=formset, max_reminders=setting("MAX_REMINDERS"))
    return render(request, "mandatory_assignments/staff/new.html", context, status=_status(form, formset))


def _status(form, formset):
    """400 when the page shows errors (of the form or of a reminder row), else 200."""
    has_errors = bool(form.errors or getattr(form, "reminders_error", None))
    if formset.is_bound and formset.total_error_count():
        has_errors = True
    return 400 if has_errors else 200


# An assignment ------------------------------------------------------------------------------------


def _edit_refusal(assignment):
    if assignment.completed_at is not None:
        return _(
            "A completed assignment cannot be changed: the completion stays in the records for the personnel file."
        )
    return None


def _withdraw_refusal(assignment):
    if assignment.completed_at is not None and not assignment.repeat_weeks:
        return _(
            "A completed assignment cannot be withdrawn: the completion stays in the records for the personnel file."
        )
    return None


@assignment_page(read_only=True)
def detail(request, assignment, target):
    """An assignment's page: status, cycle history, reminders with each email, audit trail, Edit, Withdraw."""
    history = _core.history_of(assignment)
    reminders, other_deliveries = history_view.reminder_table(assignment, history["deliveries"])
    names = _core.display_names([assignment.user_id])
    context = page_context(
        request,
        scope_of_assignment(assignment, target),
        assignment=assignment,
        target=target,
        person=person_label(assignment.user, names.get(assignment.user_id)),
        badge=status_badge(assignment.status),
        assigned_by=person_label(assignment.assigned_by) if assignment.assigned_by_id else "",
        cycles=history_view.cycles_with_evidence(history["cycles"]),
        reminders=reminders,
        other_deliveries=other_deliveries,
        audit=history_view.audit_rows(history["audit"]),
        edit_refusal=_edit_refusal(assignment),
        withdraw_refusal=_withdraw_refusal(assignment),
        # A manager of the person reads the page; only the target's staff change the assignment.
        may_change=_core.can_manage(request.user, assignment.target_key),
    )
    return render(request, "mandatory_assignments/staff/detail.html", context)


# Edit ---------------------------------------------------------------------------------------------


@assignment_page
@require_http_methods(["GET", "POST"])
def edit(request, assignment, target):
    """Edit: due date, note, reminders, repetition (``api.update``); completed ones say why they cannot."""
    scope = scope_of_assignment(assignment, target)
    refusal = _edit_refusal(assignment)
    names = _core.display_names([assignment.user_id])
    base = page_context(
        request,
        scope,
        assignment=assignment,
        target=target,
        person=person_label(assignment.user, names.get(assignment.user_id)),
        refusal=refusal,
        max_reminders=setting("MAX_REMINDERS"),
    )
    if refusal:
        return render(
            request, "mandatory_assignments/staff/edit.html", base, status=409 if request.method == "POST" else 200
        )
    initial = {"due_date": assignment.due_date, "repeat_weeks": assignment.repeat_weeks, "note": assignment.note}
    if request.method == "POST" and "add_reminder" in request.POST:
        form = forms.EditForm(initial=_initial_from(request.POST, ["due_date", "repeat_weeks", "note"]))
        formset = forms.reminder_formset(request.POST, add_row=True)
    elif request.method == "POST":
        form = forms.EditForm(request.POST, initial=initial)
        formset = forms.reminder_formset(request.POST)
        form_valid, formset_valid = form.is_valid(), formset.is_valid()
        if form_valid and formset_valid:
            data = form.cleaned_data
            try:
                api.update(
                    assignment,
                    by=request.user,
                    due_date=data["due_date"],
                    note=data.get("note") or "",
                    reminders=formset.specs(),
                    repeat_weeks=data.get("repeat_weeks"),
                )
            except api.AssignmentError as exc:
                forms.add_assignment_error(form, exc)
            else:
                messages.success(request, _("The assignment was saved."))
                return redirect("mandatory_assignments:staff-assignment", assignment_id=assignment.pk)
    else:
        form = forms.EditForm(initial=initial)
        formset = forms.reminder_formset(
            initial=[dict(spec, template=spec.get("template") or "") for spec in assignment.reminders]
        )
    form.annotate()
    context = {**base, "form": form, "formset": formset}
    return render(request, "mandatory_assignments/staff/edit.html", context, status=_status(form, formset))


# Withdraw -----------------------------------------------------------------------------------------


@assignment_page
@require_http_methods(["GET", "POST"])
def withdraw(request, assignment, target):
    """Withdraw: a confirmation page; the POST withdraws (``api.withdraw``) and tells the person."""
    scope = scope_of_assignment(assignment, target)
    refusal = _withdraw_refusal(assignment)
    names = _core.display_names([assignment.user_id])
    person = person_label(assignment.user, names.get(assignment.user_id))
    if request.method == "POST" and not refusal:
        try:
            api.withdraw(assignment, by=request.user)
        except api.AssignmentError as exc:
            refusal = " ".join(str(message) for message in exc.messages)
        else:
            messages.success(
                request,
                _("The assignment of {target} to {person} was withdrawn; {person} is told by email.").format(
                    target=target.display_name if target else assignment.target_key, person=person
                ),
            )
            return redirect(scope.url("overview"))
    context = page_context(request, scope, assignment=assignment, target=target, person=person, refusal=refusal)
    status = 409 if (request.method == "POST" and refusal) else 200
    return render(request, "mandatory_assignments/staff/withdraw.html", context, status=status)
