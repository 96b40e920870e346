"""
What goes into the emails of mandatory assignments: the five message names, the facts a message names,
and its template context — rendered in the recipient's language, the due date in the learner's terms,
links that lead somewhere, and nothing that may trip the platform's course-email opt-out (no
``course_ids`` key, ever).

Composing a chunk of deliveries reads its people's preferences, names and sites, its targets' names
and its reminders' templates from one prefetch per kind (:func:`prefetched`).
"""

import contextlib
import contextvars
import datetime
import json
from dataclasses import dataclass, field

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import compat, due_dates, email_templates, preferences, rules, targets
from .email_wording import email_wording
from .models import Reminder
from .zones import time_zones_of, user_time_zone

APP_LABEL = "mandatory_assignments"
ASSIGNED = "assigned"
REMINDER = "reminder"
OVERDUE = "overdue"
WITHDRAWN = "withdrawn"
NEW_CYCLE = "new_cycle"
MESSAGE_NAMES = (ASSIGNED, REMINDER, OVERDUE, WITHDRAWN, NEW_CYCLE)
# The messages a person can turn off (see policies.py); the others are service messages.
REMINDER_MESSAGES = (REMINDER, OVERDUE)
NOTICE_MESSAGES = (ASSIGNED, NEW_CYCLE)

LANGUAGE_PREFERENCE = "pref-lang"
MY_ASSIGNMENTS_PATH = "/mandatory_assignments/my/"
# The platform's course-email opt-out policy denies any message whose context has this key.
FORBIDDEN_CONTEXT_KEYS = ("course_ids",)


# What a message is about --------------------------------------------------------------------------


@dataclass
class Facts:
    """The assignment data a message names (the assignment row may already be gone: withdrawn)."""

    user: object
    assigned_by: object
    target_key: str
    target_type: str
    due_date: datetime.date
    note: str
    cycle: int
    status: str
    reminder_days: int = 0
    # For the links and wording of the emails (issue 8): the staff page of the assignment, repetition.
    assignment_id: int | None = None
    repeat_weeks: int | None = None


def facts_of_assignment(assignment, reminder_days=0, due_date=None, as_of=None):
    status = assignment.status
    if as_of is not None:
        status = rules.compute_status(
            completed_at=assignment.completed_at,
            progressed_at=assignment.progressed_at,
            deadline=assignment.deadline,
            now=as_of,
        )
    return Facts(
        user=assignment.user,
        assigned_by=assignment.assigned_by,
        target_key=assignment.target_key,
        target_type=assignment.target_type,
        due_date=due_date or assignment.due_date,
        note=assignment.note,
        cycle=assignment.cycle,
        status=status,
        reminder_days=reminder_days,
        assignment_id=assignment.pk,
        repeat_weeks=assignment.repeat_weeks,
    )


# Context ----------------------------------------------------------------------------------------


@dataclass
class Prefetched:
    """What composing a chunk of deliveries asks about its people and targets, read in a few queries."""

    learners: set = field(default_factory=set)
    people: set = field(default_factory=set)
    assignments: set = field(default_factory=set)
    sites: dict = field(default_factory=dict)  # learner id -> Site
    languages: dict = field(default_factory=dict)  # person id -> pref-lang value
    time_zones: dict = field(default_factory=dict)  # learner id -> ZoneInfo
    names: dict = field(default_factory=dict)  # person id -> profile name
    target_names: dict = field(default_factory=dict)  # target key -> display name
    templates: dict = field(default_factory=dict)  # (assignment id, days, recipient kind) -> template name
    reminder_switches: dict = field(default_factory=dict)  # person id -> their reminder-email preference value
    memo: dict = field(default_factory=dict)  # what composing works out once per chunk (see _per_chunk)


_PREFETCHED = contextvars.ContextVar("mandatory_assignments_prefetched", default=None)


@contextlib.contextmanager
def prefetched(delivery_rows):
    """
    Within the block, composing the emails of these deliveries reads their people's preferences, names
    and sites, their targets' names and their reminders' templates from one prefetch per kind.
    """
    token = _PREFETCHED.set(_prefetch(delivery_rows))
    try:
        yield
    finally:
        _PREFETCHED.reset(token)


def _prefetch(rows):
    rows = [row for row in rows if row.user_id is not None]
    learners = {row.user_id for row in rows}
    people = learners | {row.recipient_id for row in rows}
    people |= {row.assignment.assigned_by_id for row in rows if row.assignment_id is not None}
    people.discard(None)
    domains = compat.get_signup_sites(learners)
    site_of_domain = {domain: compat.get_site_by_domain(domain) for domain in {*domains.values(), None}}
    return Prefetched(
        learners=learners,
        people=people,
        assignments={row.assignment_id for row in rows},
        sites={user_id: site_of_domain[domains.get(user_id)] for user_id in learners},
        languages=compat.get_preference_for_users(people, LANGUAGE_PREFERENCE),
        reminder_switches=compat.get_preference_for_users(people, preferences.EMAIL_REMINDERS_PREFERENCE),
        time_zones=time_zones_of(list(learners)),
        names=compat.get_profile_names(people),
        target_names={key: _resolve_target_name(key) for key in {row.target_key for row in rows}},
        templates={
            (assignment_id, days, recipient): name
            for assignment_id, days, recipient, name in Reminder.objects.filter(
                assignment_id__in={row.assignment_id for row in rows}
            )
            .exclude(template="")
            .values_list("assignment_id", "days", "recipient", "template")
        },
    )


def _per_chunk(key, compute):
    """
    ``compute()``, worked out once per chunk of deliveries being composed (the site's base context, a due
    date in words, fixed links): the same for every email of the chunk that shares ``key``.
    """
    found = _PREFETCHED.get()
    if found is None:
        return compute()
    if key not in found.memo:
        found.memo[key] = compute()
    return found.memo[key]


def prefetched_for(ids, attribute):
    """The prefetch, when it covers every id in ``ids`` for ``attribute``'s set; else ``None``."""
    found = _PREFETCHED.get()
    if found is not None and set(ids) <= getattr(found, attribute):
        return found
    return None


def reminders_enabled_for(user_id):
    """
    Whether the person's reminder emails are on, from the chunk's prefetch (read when the chunk's sending
    began); ``None`` when the prefetch does not cover the person.
    """
    if found := prefetched_for([user_id], "people"):
        return preferences.reminders_enabled_value(found.reminder_switches.get(user_id))
    return None


def site_for(user):
    """The Site of the person's company, else the current site."""
    if user is not None and (found := prefetched_for([user.id], "learners")):
        return found.sites[user.id]
    domain = compat.get_signup_sites([user.id]).get(user.id) if user is not None else None
    return compat.get_site_by_domain(domain)


def language_of(user):
    """The person's ``pref-lang`` preference, when the platform supports it, else the default language."""
    if user is None:
        preferred = None
    elif found := prefetched_for([user.id], "people"):
        preferred = found.languages.get(user.id)
    else:
        preferred = compat.get_user_preference(user, LANGUAGE_PREFERENCE)
    if preferred and isinstance(preferred, str):
        try:
            return translation.get_supported_language_variant(preferred.strip())
        except LookupError:
            pass
    return settings.LANGUAGE_CODE


def _time_zone_of(user):
    if found := prefetched_for([user.id], "learners"):
        return found.time_zones[user.id]
    return user_time_zone(user)


def _display_names(users):
    users = [user for user in users if user is not None]
    ids = [user.id for user in users]
    if found := prefetched_for(ids, "people"):
        names = found.names
    else:
        names = compat.get_profile_names(ids) if users else {}
    return {user.id: (names.get(user.id) or "").strip() or user.username for user in users}


def _resolve_target_name(target_key):
    target = targets.resolve(target_key)
    return target.display_name if target is not None else target_key


def _target_name(target_key):
    found = _PREFETCHED.get()
    if found is not None and target_key in found.target_names:
        return found.target_names[target_key]
    return _resolve_target_name(target_key)


def _status_label(status):
    labels = dict(rules.STATUS_CHOICES)
    if status == WITHDRAWN:
        return _("Withdrawn")
    return str(labels.get(status, status))


def _role_label(role):
    # Only the label asked for is translated (this runs once an email).
    if role == "student":
        return _("the person the assignment is for")
    if role == "assigned_by":
        return _("the person who made the assignment")
    if role == "managers":
        return _("a manager of the person")
    return role


def _json_safe(value):
    """
    ACE serialises the context: keep only JSON values — what ``json.loads(json.dumps(value, default=str))``
    gives (lazy strings, dates and other objects become text, tuples lists, keys text), without
    writing and parsing the text.
    """
    if isinstance(value, dict):
        return {_json_key(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(item) for item in value]
    if isinstance(value, str):
        return value if type(value) is str else "" + value  # a safe string: plain text, as JSON gives back
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return str(value)


def _json_key(key):
    if isinstance(key, str):
        return key if type(key) is str else "" + key
    return json.dumps(key)  # 1 → "1", True → "true", None → "null"; other keys fail as in json.dumps


def _absolute(path):
    return getattr(settings, "LMS_ROOT_URL", "").rstrip("/") + path


def _my_assignments_url():
    try:
        return _absolute(reverse("mandatory_assignments:learner-my"))
    except NoReverseMatch:
        return _absolute(MY_ASSIGNMENTS_PATH)


# The staff page of one assignment (the staff pages' URL; the first name that exists is used).
STAFF_ASSIGNMENT_URL_NAMES = ("mandatory_assignments:assignment", "mandatory_assignments:staff-assignment")


def staff_assignment_url(assignment_id):
    """The absolute URL of the staff page of the assignment: where managers and assigners are sent."""
    for name in STAFF_ASSIGNMENT_URL_NAMES:
        try:
            return _absolute(reverse(name, kwargs={"assignment_id": assignment_id}))
        except NoReverseMatch:
            continue
    return _absolute(f"/mandatory_assignments/assignment/{assignment_id}/")


def _repetition(facts, tz, name):
    """How a recurring assignment repeats, in a sentence ("" for one that does not, or a withdrawn one)."""
    if not facts.repeat_weeks or name == WITHDRAWN:
        return ""
    next_due = facts.due_date + datetime.timedelta(weeks=facts.repeat_weeks)
    return ngettext(
        "This assignment repeats every week: once this cycle is over, a new cycle starts, due one week after "
        "this due date (the next one: {next_due}).",
        "This assignment repeats every {count} weeks: once this cycle is over, a new cycle starts, due {count} "
        "weeks after this due date (the next one: {next_due}).",
        facts.repeat_weeks,
    ).format(count=facts.repeat_weeks, next_due=due_dates.describe_due(next_due, tz)["date"])


def _role_footer(recipient_kind, learner_name):
    if recipient_kind == "assigned_by":
        return _("You receive this email because you made this mandatory assignment for {name}.").format(
            name=learner_name
        )
    if recipient_kind == "managers":
        return _("You receive this email as a manager of {name}.").format(name=learner_name)
    return ""


def _turn_off_text(name, recipient_kind):
    if name not in REMINDER_MESSAGES:
        return ""
    if recipient_kind == "student":
        return _("You can turn reminder emails off on your “My mandatory assignments” page.")
    return _(
        "You can turn reminder emails off on your “My mandatory assignments” page; that also stops the "
        "reminders you receive as a manager or as the person who made an assignment."
    )


def build_context(name, facts, recipient, recipient_kind, site, language):
    """The template context of message ``name`` to ``recipient``, rendered in ``language``."""
    context = dict(
        _per_chunk(("base context", getattr(site, "pk", None)), lambda: compat.get_base_template_context(site) or {})
    )
    names = _display_names([facts.user, recipient, facts.assigned_by])
    tz = _time_zone_of(facts.user)
    days = abs(facts.reminder_days) if name in REMINDER_MESSAGES else 0
    learner_name = names.get(facts.user.id, "")
    to_staff = recipient_kind != "student"
    target_url = targets.url_of(facts.target_key, facts.target_type)
    assignment_url = staff_assignment_url(facts.assignment_id) if to_staff and facts.assignment_id else ""
    with translation.override(language):
        due = _per_chunk(
            ("due", facts.due_date, tz.key, language), lambda: due_dates.describe_due(facts.due_date, tz, language)
        )
        context.update(
            {
                "message_name": name,
                "learner_name": learner_name,
                "recipient_name": names.get(recipient.id, ""),
                "recipient_role": recipient_kind,
                "recipient_role_label": _role_label(recipient_kind),
                "assigned_by_name": names.get(facts.assigned_by.id, "") if facts.assigned_by is not None else "",
                "target_key": facts.target_key,
                "target_name": _target_name(facts.target_key),
                "target_type": facts.target_type,
                "target_type_label": _("learning path") if facts.target_type == "path" else _("course"),
                "target_url": target_url,
                # Where the email's links lead: the learner to the course or path, a manager or assigner to
                # the staff page of the person's assignment.
                "assignment_url": assignment_url,
                "action_url": assignment_url or target_url,
                "action_label": (
                    _("View the assignment of {name}").format(name=learner_name)
                    if assignment_url
                    else _("Go to {name}").format(name=_target_name(facts.target_key))
                ),
                "due_date": due["date"],
                "due_date_iso": facts.due_date.isoformat(),
                "due_date_full": due["full"],
                "time_zone": tz.key,
                "time_zone_name": due["zone_name"],
                "deadline_explanation": _(
                    "The deadline is the end of that day: {time} {zone_name} ({zone_id})."
                ).format(time=due["time"], zone_name=due["zone_name"], zone_id=tz.key),
                "repetition": _repetition(facts, tz, name),
                "note": facts.note or "",
                "days": days,
                "days_before": max(facts.reminder_days, 0) if name == REMINDER else 0,
                "days_after": max(-facts.reminder_days, 0) if name == OVERDUE else 0,
                "cycle": facts.cycle,
                "status": _status_label(facts.status),
                "status_code": facts.status,
                "my_assignments_url": _per_chunk(("my assignments url",), _my_assignments_url),
                "role_footer": _role_footer(recipient_kind, learner_name),
                "turn_off_reminders": _turn_off_text(name, recipient_kind),
            }
        )
        context.update(email_wording(name, context))
    for key in FORBIDDEN_CONTEXT_KEYS:
        context.pop(key, None)
    return _json_safe(context)


def placeholder_values(context):
    """The values of the custom templates' placeholders (see ``email_templates.PLACEHOLDERS``)."""
    values = {name: context.get(name, "") for name in email_templates.PLACEHOLDERS}
    values["recipient_role"] = context.get("recipient_role_label", "")
    values["target_type"] = context.get("target_type_label", "")
    return values
