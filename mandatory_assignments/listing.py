"""
Listing assignments for staff: filters, search, sorting, counts per status and the CSV export.

Shared by the REST API (``GET assignments/``, ``GET assignments/export.csv``) and the staff pages, so that
a filter means the same everywhere. Every function takes a queryset of assignments that the caller may
see — ``api.get_assignments(by=request.user)`` — and narrows, orders or reads it; nothing here decides
who may see what, and nothing here writes.

Typical use::

    params = listing.params_from_query(request.GET)          # raises ValidationError on bad input
    rows = listing.filter_assignments(api.get_assignments(by=request.user), **params.filters)
    counts = listing.status_counts(listing.filter_assignments(
        api.get_assignments(by=request.user), **{**params.filters, "status": "all"}))
    page = listing.sort_assignments(listing.with_names(rows), params.sort, descending=params.descending)
"""

import csv
import datetime
from array import array
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, CharField, Count, IntegerField, OuterRef, Q, Subquery, TextField, Value, When
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django.utils.translation import gettext as _

from . import api, compat, targets
from .rules import ASSIGNED, COMPLETED, IN_PROGRESS, OPEN_STATUSES, OVERDUE, STATUSES

#: The statuses listed when no status filter is given: open and overdue.
DEFAULT_STATUSES = OPEN_STATUSES
#: The ``status`` value that lists every status.
ALL = "all"
#: What a list can be sorted by. ``status`` sorts in the order assigned, in progress, overdue, completed.
SORT_FIELDS = ("due_date", "status", "person")
DEFAULT_SORT = "due_date"
#: Assignments read per database round trip by the export (their history is prefetched per chunk).
EXPORT_CHUNK_SIZE = 500
#: Ids the export reads per round trip before it reads the rows.
EXPORT_ID_CHUNK_SIZE = 5000
#: The history the export shows of each assignment: emails of these kinds, once decided (sent or skipped).
EXPORTED_MESSAGES = ("reminder", "overdue")

_STATUS_ORDER = {ASSIGNED: 0, IN_PROGRESS: 1, OVERDUE: 2, COMPLETED: 3}
# Spreadsheet programs run a cell that starts with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _invalid(field_name, message):
    return ValidationError({field_name: [ValidationError(message, code="invalid")]})


# Parsing query parameters -------------------------------------------------------------------------


@dataclass
class ListingParams:
    """The filters and the sort order asked for, ready for :func:`filter_assignments` and :func:`sort_assignments`."""

    filters: dict = field(default_factory=dict)
    sort: str = DEFAULT_SORT
    descending: bool = False


def params_from_query(query):
    """
    Read the listing's parameters from a ``QueryDict`` (or any mapping with ``.get``): ``status``,
    ``target``, ``course_id`` (a ``+`` sent unencoded is read back), ``user``, ``q`` and ``sort``
    (``due_date``, ``status`` or ``person``; a leading ``-`` or ``order=desc`` sorts descending).
    Raises ``ValidationError`` (per field) for values that cannot be understood; missing or empty
    parameters mean "no filter".
    """
    filters = {name: (query.get(name) or "").strip() or None for name in ("status", "target", "course_id", "user", "q")}
    for name in ("target", "course_id"):
        # Keys hold no spaces; a "+" left unencoded in a URL arrives as one (the platform's views do the same).
        if filters[name]:
            filters[name] = filters[name].replace(" ", "+")
    parse_statuses(filters["status"])  # fail early, with the field named
    sort = (query.get("sort") or DEFAULT_SORT).strip()
    descending = sort.startswith("-")
    sort = sort.lstrip("-")
    if sort not in SORT_FIELDS:
        raise _invalid("sort", _("Sort by one of: {choices}.").format(choices=", ".join(SORT_FIELDS)))
    order = (query.get("order") or "").strip().lower()
    if order not in ("", "asc", "desc"):
        raise _invalid("order", _("Order must be asc or desc."))
    descending = descending or order == "desc"
    return ListingParams(filters=filters, sort=sort, descending=descending)


def parse_statuses(status):
    """
    The statuses a ``status`` filter selects: ``None`` or empty for the default (assigned, in progress,
    overdue), ``"all"`` for every status (returns ``None``: no filter), or a comma-separated string or a
    list of status names. Raises ``ValidationError`` for unknown names.
    """
    if status is None or (isinstance(status, str) and not status.strip()):
        return tuple(DEFAULT_STATUSES)
    names = status.split(",") if isinstance(status, str) else list(status)
    names = [str(name).strip() for name in names if str(name).strip()]
    if ALL in names:
        return None
    unknown = [name for name in names if name not in STATUSES]
    if unknown or not names:
        raise _invalid(
            "status",
            _("Unknown status {names}: use {choices} or {all}.").format(
                names=", ".join(unknown) or "''", choices=", ".join(STATUSES), all=ALL
            ),
        )
    return tuple(dict.fromkeys(names))


# Filtering ----------------------------------------------------------------------------------------


def filter_assignments(qs, *, status=None, target=None, course_id=None, user=None, q=None, now=None):
    """
    Narrow ``qs`` (assignments the caller may see) to those matching every filter given:

    - ``status``: see :func:`parse_statuses` (default: open and overdue; ``"all"``: every status),
      computed at ``now`` (default: the current moment);
    - ``target``: a course or learning-path key: the assignments of exactly that target;
    - ``course_id``: a course key: the assignments of that course and of the learning paths containing it;
    - ``user``: one person, by username, email address (any case) or numeric id;
    - ``q``: a search, case-insensitive, in the person's username, name and email and in the target's
      key and display name.

    Values that cannot be understood raise ``ValidationError`` naming the field; a well-formed key that
    names no target simply matches nothing.
    """
    statuses = parse_statuses(status)
    if statuses is not None:
        qs = qs.filter(api.status_q(statuses, now=now or timezone.now()))
    if target:
        qs = qs.filter(target_key=_target_key(target, "target"))
    if course_id:
        kind, key = targets.parse_key(course_id)
        if kind != "course":
            raise _invalid("course_id", _("Enter a course key, like course-v1:Org+Number+Run."))
        qs = qs.filter(target_key__in=[key, *targets.path_keys_containing(key)])
    if user:
        qs = qs.filter(_person_q(str(user).strip()))
    if q and q.strip():
        qs = qs.filter(search_q(q.strip()))
    return qs


def _target_key(value, field_name):
    kind, key = targets.parse_key(value)
    if kind is None:
        raise _invalid(field_name, _("Enter a course key or a learning path key."))
    return key


def _person_q(value):
    """One person by username, email (any case) or id."""
    condition = Q(user__username=value)
    if "@" in value:
        condition |= Q(user__email__iexact=value)
    if value.isascii() and value.isdigit():
        condition |= Q(user_id=int(value))
    return condition


def search_q(text):
    """The condition of the free-text search ``q`` (see :func:`filter_assignments`)."""
    return (
        Q(user__username__icontains=text)
        | Q(user__email__icontains=text)
        | Q(user__first_name__icontains=text)
        | Q(user__last_name__icontains=text)
        | Q(user_id__in=compat.user_ids_with_name_containing(text))
        | Q(target_key__icontains=text)
        | Q(target_key__in=compat.course_keys_with_name_containing(text))
        | _path_name_q(text)
    )


def _learning_path_model():
    if not apps.is_installed("learning_paths"):
        return None
    return apps.get_model("learning_paths", "LearningPath")


def _path_name_q(text):
    model = _learning_path_model()
    if model is None:
        return Q(pk__in=[])
    return Q(target_key__in=model.objects.filter(display_name__icontains=text).values("key"))


# Names, sorting, counts ---------------------------------------------------------------------------


def with_names(qs):
    """
    ``qs`` with ``person_name`` (the platform profile's full name, ``None`` when it has none) and
    ``target_name`` (the course's or learning path's display name, ``None`` when it is gone) annotated,
    so that a page of rows needs no query per row for them.
    """
    target_name = compat.course_name_subquery("target_key")
    model = _learning_path_model()
    if model is not None:
        path_name = Subquery(model.objects.filter(key=OuterRef("target_key")).values("display_name")[:1])
        target_name = Coalesce(target_name, path_name, output_field=TextField())
    return qs.annotate(person_name=compat.profile_name_subquery("user_id"), target_name=target_name)


def status_rank(now=None):
    """An expression ordering statuses: assigned, in progress, overdue, completed (computed at ``now``)."""
    now = now or timezone.now()
    return Case(
        When(completed_at__isnull=False, then=Value(_STATUS_ORDER[COMPLETED])),
        When(deadline__lte=now, then=Value(_STATUS_ORDER[OVERDUE])),
        When(progressed_at__isnull=False, then=Value(_STATUS_ORDER[IN_PROGRESS])),
        default=Value(_STATUS_ORDER[ASSIGNED]),
        output_field=IntegerField(),
    )


def sort_assignments(qs, sort=DEFAULT_SORT, *, descending=False, now=None):
    """
    Order ``qs`` by ``sort`` — ``"due_date"``, ``"status"`` (see :func:`status_rank`, then due date) or
    ``"person"`` (the profile name, else the username) — ascending or ``descending``, with the id as the
    last key so that pages never overlap.
    """
    if sort not in SORT_FIELDS:
        raise _invalid("sort", _("Sort by one of: {choices}.").format(choices=", ".join(SORT_FIELDS)))
    if sort == "status":
        qs = qs.annotate(status_rank=status_rank(now))
        keys = ["status_rank", "due_date", "id"]
    elif sort == "person":
        # The profile joined, not read by a subquery a row: sorting reads every row of the list.
        qs = qs.annotate(
            person_sort=Coalesce(
                NullIf(compat.profile_name_field("user"), Value("")), "user__username", output_field=CharField()
            )
        )
        keys = ["person_sort", "user__username", "id"]
    else:
        keys = ["due_date", "id"]
    return qs.order_by(*[f"-{key}" if descending else key for key in keys])


def status_counts(qs, *, now=None):
    """
    ``{"assigned": n, "in_progress": n, "completed": n, "overdue": n, "total": n}`` for ``qs``. For the
    counts beside a filtered list, pass the list's queryset filtered with ``status="all"``, so that every
    status is counted under the other filters.

    Three counts, each a range of the (target, completed, deadline, progressed) index where the list is a
    target's: completed; not completed, and of those overdue (deadline passed), each with how many have
    progress (``COUNT(progressed_at)``): in progress are those with progress not overdue. One aggregate
    with a condition per status instead made the database evaluate four conditions on every row (about
    2.5× slower at 100,000 rows).
    """
    now = now or timezone.now()
    qs = qs.order_by()
    completed = qs.filter(completed_at__isnull=False).count()
    # Not completed: an equality on the index's first columns (a range on the deadline here made MariaDB
    # pick an index without the status columns and read 100,000 rows); the overdue ones, a short range,
    # are taken off.
    open_rows = qs.filter(completed_at__isnull=True).aggregate(rows=Count("pk"), progressed=Count("progressed_at"))
    overdue = qs.filter(completed_at__isnull=True, deadline__lte=now).aggregate(
        rows=Count("pk"), progressed=Count("progressed_at")
    )
    in_progress = open_rows["progressed"] - overdue["progressed"]
    counts = {
        ASSIGNED: open_rows["rows"] - overdue["rows"] - in_progress,
        IN_PROGRESS: in_progress,
        COMPLETED: completed,
        OVERDUE: overdue["rows"],
    }
    return {"total": sum(counts.values()), **{name: counts[name] for name in STATUSES}}


def count_from_status_counts(counts, status=None):
    """
    The number of rows a ``status`` filter selects, from :func:`status_counts` of the same rows under the
    other filters: the sum of the selected statuses' counts (every status add up to ``total``), so that a
    page showing the counts needs no second count of the list.
    """
    statuses = parse_statuses(status)
    if statuses is None:
        return counts["total"]
    return sum(counts[name] for name in statuses)


# Pages --------------------------------------------------------------------------------------------


class ListPaginator(Paginator):
    """
    Django's ``Paginator`` for the staff lists (the REST list and the staff pages), whose page costs the
    same at 1,000 rows and at 100,000:

    - a page's ids are read first (only the order's keys: the database sorts or walks an index of ids,
      not whole rows with their names), then that page's rows with everything they show, by id, in one
      more query;
    - a page in the second half of the list is read from the end, in the reversed order (every order of
      :func:`sort_assignments` ends with the id, so the reverse is exact), so that the last page costs
      what the first one does instead of skipping every row before it;
    - ``count`` may be given when the caller knows it (the staff pages sum the status counts they show).
    """

    def __init__(self, object_list, per_page, *args, count=None, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        if count is not None:
            self.count = count  # Paginator.count is a cached_property: this is its value

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(self.rows(bottom, top), number, self)

    def rows(self, bottom, top):
        """Rows ``bottom`` to ``top`` (exclusive) of the list, in its order."""
        if top <= bottom:
            return []
        rows = self.object_list
        if bottom > self.count - top:  # nearer the end: read that part of the reversed list
            ids = list(rows.reverse().values_list("pk", flat=True)[self.count - top : self.count - bottom])
            ids.reverse()
        else:
            ids = list(rows.values_list("pk", flat=True)[bottom:top])
        if not ids:
            return []
        by_id = {row.pk: row for row in rows.order_by().filter(pk__in=ids)}
        return [by_id[pk] for pk in ids if pk in by_id]


# CSV export ---------------------------------------------------------------------------------------


def export_header():
    """The export's column titles, translated."""
    return [
        _("ID"),
        _("Username"),
        _("Name"),
        _("Email"),
        _("Target"),
        _("Target type"),
        _("Target name"),
        _("Due date"),
        _("Status"),
        _("Cycle"),
        _("Repetition (weeks)"),
        _("Note"),
        _("Assigned by"),
        _("Created"),
        _("Completed at"),
        _("Reminders"),
        _("Completed cycles"),
        _("Reminders sent"),
    ]


def export_rows(qs, *, chunk_size=EXPORT_CHUNK_SIZE):
    """
    The CSV rows (lists of strings) of ``qs`` in its order, the header first, as a generator.

    The list's ids are read first (8 bytes each), then its rows ``chunk_size`` at a time by id, each chunk
    with its reminders, completed cycles and emails prefetched in one query each, so that memory stays
    flat and the query count grows with the number of chunks, never with the number of rows. Columns
    "Completed cycles" (``cycle N: due …, completed …``) and "Reminders sent" (every reminder and overdue
    email decided so far: when, which reminder, to whom, sent or skipped and why) hold each assignment's
    history, one entry per line.
    """
    yield export_header()
    # The list's ids first, in its order, 8 bytes each (an array, not Python objects): MySQL's client reads a
    # whole result before the first row, so reading the rows themselves in one query held all of them in
    # memory at once (165 MiB at 100,000). Then each chunk's rows by id, with their history.
    ids = array("q", qs.values_list("pk", flat=True).iterator(chunk_size=EXPORT_ID_CHUNK_SIZE))
    rows = with_names(qs.order_by()).prefetch_related("reminder_rows", "completed_cycles", "deliveries__recipient")
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start : start + chunk_size].tolist()
        by_id = {assignment.pk: assignment for assignment in rows.filter(pk__in=chunk)}
        for pk in chunk:
            if pk in by_id:  # gone since the ids were read: left out
                yield [_cell(value) for value in _export_values(by_id.pop(pk))]


def export_csv(qs, *, chunk_size=EXPORT_CHUNK_SIZE):
    """The export as CSV text, one line per yielded string: for a ``StreamingHttpResponse``."""
    writer = csv.writer(_Echo())
    for row in export_rows(qs, chunk_size=chunk_size):
        yield writer.writerow(row)


class _Echo:
    """A file-like object whose ``write`` returns what it is given (Django's streaming-CSV recipe)."""

    def write(self, value):
        return value


def _export_values(assignment):
    user = assignment.user
    return [
        assignment.pk,
        user.username,
        assignment.person_name or user.get_full_name(),
        user.email,
        assignment.target_key,
        assignment.target_type,
        assignment.target_name or "",
        assignment.due_date.isoformat(),
        assignment.status,
        assignment.cycle,
        assignment.repeat_weeks or "",
        assignment.note,
        assignment.assigned_by.username if assignment.assigned_by else "",
        _moment(assignment.created),
        _moment(assignment.completed_at),
        "\n".join(_reminder_text(spec) for spec in assignment.reminders),
        "\n".join(_cycle_text(cycle) for cycle in assignment.completed_cycles.all()),
        "\n".join(
            _delivery_text(delivery)
            for delivery in assignment.deliveries.all()
            if delivery.message in EXPORTED_MESSAGES and delivery.state != "pending"
        ),
    ]


def _moment(value):
    """An instant as ISO 8601 in UTC (``2026-12-01T12:00:00Z``); empty for none."""
    if value is None:
        return ""
    return value.astimezone(datetime.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _days_text(days):
    if days > 0:
        return _("{days} day(s) before").format(days=days)
    if days == 0:
        return _("on the due date")
    return _("{days} day(s) after").format(days=-days)


def _reminder_text(spec):
    text = _("{when}, to {recipient}").format(when=_days_text(spec["days"]), recipient=spec["recipient"])
    if spec.get("template"):
        text += _(", template {name}").format(name=spec["template"])
    return text


def _cycle_text(cycle):
    return _("cycle {cycle}: due {due_date}, completed {completed_at}").format(
        cycle=cycle.cycle, due_date=cycle.due_date.isoformat(), completed_at=_moment(cycle.completed_at)
    )


def _delivery_text(delivery):
    recipient = delivery.recipient_kind
    if delivery.recipient is not None and delivery.recipient_kind != "student":
        recipient = f"{recipient} ({delivery.recipient.username})"
    text = _("{moment} {message} ({when}, due {due_date}) to {recipient}: {state}").format(
        moment=_moment(delivery.sent_at or delivery.created),
        message=delivery.message,
        when=_days_text(delivery.reminder_days),
        due_date=delivery.due_date.isoformat(),
        recipient=recipient,
        state=delivery.state,
    )
    if delivery.reason:
        text += f" ({_(delivery.reason)})"  # stored in English, marked with gettext_noop where written
    return text


def _cell(value):
    """A CSV cell: text, with a leading quote where a spreadsheet would run it as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


# People -------------------------------------------------------------------------------------------


def person_matching(value):
    """The active user named by ``value`` (username, email address in any case, or numeric id), or ``None``."""
    value = str(value or "").strip()
    if not value:
        return None
    users = get_user_model().objects.filter(is_active=True)
    condition = Q(username=value)
    if "@" in value:
        condition |= Q(email__iexact=value)
    if value.isascii() and value.isdigit():
        condition |= Q(pk=int(value))
    matches = list(users.filter(condition)[:2])
    by_username = [user for user in matches if user.username == value]
    if by_username:
        return by_username[0]
    return matches[0] if len(matches) == 1 else None
