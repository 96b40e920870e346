"""
The learner's calendar: an iCalendar (RFC 5545) file per assignment and one subscribable feed of all of
them.

Calendar clients fetch a subscribed feed without cookies, so the feed's URL carries a per-person secret
token. The token is kept as the person's platform user preference (``calendar_token_preference``),
revocable at any time (a new token replaces the old one; a revoked or wrong token finds no one: 404).

Each assignment cycle is one all-day event on its due date, with a UID that stays the same when the
due date moves; its SEQUENCE counts the due date's changes and its DTSTAMP/LAST-MODIFIED is the
assignment's last change, so that subscribed calendars replace the event instead of adding another.
"""

import datetime
import secrets
from urllib.parse import urlparse

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vDuration

from . import api, compat, due_dates, learner, messages, targets
from .models import AuditEntry

# .. toggle_name: mandatory_assignments_calendar_token (user preference)
# .. toggle_implementation: UserPreference
# .. toggle_default: absent (no calendar feed)
# .. toggle_description: The secret token in the URL of the person's subscribable calendar feed of
#   mandatory assignments. Deleting it (the person's "Stop the feed" button) makes the URL answer 404.
CALENDAR_TOKEN_PREFERENCE = "mandatory_assignments_calendar_token"
PRODID = "-//Open edX//mandatory-assignments//EN"
REFRESH = datetime.timedelta(hours=6)


# The feed's token ---------------------------------------------------------------------------------


def feed_token(user):
    """The person's current feed token, or ``None``."""
    return compat.get_user_preference(user, CALENDAR_TOKEN_PREFERENCE) or None


def new_feed_token(user):
    """Give the person a new feed token (the old URL stops working) and return it."""
    token = secrets.token_urlsafe(32)
    compat.set_user_preference(user, CALENDAR_TOKEN_PREFERENCE, token)
    return token


def revoke_feed_token(user):
    """Stop the person's feed: its URL answers 404 from now on."""
    return compat.delete_user_preference(user, CALENDAR_TOKEN_PREFERENCE)


def user_for_token(token):
    """The active person whose feed token is ``token``, or ``None``."""
    token = (token or "").strip()
    if len(token) < 20:
        return None
    return compat.get_active_user_by_preference(CALENDAR_TOKEN_PREFERENCE, token)


def feed_url(token):
    root = getattr(settings, "LMS_ROOT_URL", "").rstrip("/")
    return root + reverse("mandatory_assignments:learner-calendar-feed", kwargs={"token": token})


# Building -----------------------------------------------------------------------------------------


def _domain():
    return urlparse(getattr(settings, "LMS_ROOT_URL", "") or "").hostname or "localhost"


def event_uid(assignment_id, cycle):
    """Stable across due-date changes: one event per assignment cycle."""
    return f"mandatory-assignment-{assignment_id}-cycle-{cycle}@{_domain()}"


def _due_date_changes(assignment_ids):
    """``{assignment_id: how many times its due date was changed}`` (the events' SEQUENCE)."""
    counts = dict.fromkeys(assignment_ids, 0)
    entries = AuditEntry.objects.filter(assignment_id__in=list(assignment_ids), action=AuditEntry.UPDATED)
    for assignment_id, changes in entries.values_list("assignment_id", "changes"):
        if isinstance(changes, dict) and "due_date" in changes:
            counts[assignment_id] = counts.get(assignment_id, 0) + 1
    return counts


def _event(assignment, cycle, due_date, tz, target, sequence, my_url):
    name = target.display_name if target is not None else assignment.target_key
    target_url = targets.url_of(assignment.target_key, assignment.target_type)
    due = due_dates.describe_due(due_date, tz)
    # One sentence per kind: languages other than English do not lower-case a noun into a sentence.
    if assignment.target_type == "path":
        heading = _("Mandatory learning path: {name}").format(name=name)
    else:
        heading = _("Mandatory course: {name}").format(name=name)
    lines = [
        heading,
        _("Due {due}.").format(due=due["full"]),
    ]
    if cycle != assignment.cycle:
        lines.append(_("This is the next cycle of a recurring assignment; it starts after the current one."))
    if assignment.repeat_weeks:
        lines.append(learner.repetition_text(assignment.repeat_weeks) + ".")
    if assignment.note:
        lines.extend(["", _("Note:"), assignment.note])
    lines.extend(["", _("Go to {name}: {url}").format(name=name, url=target_url)])
    lines.append(_("My mandatory assignments: {url}").format(url=my_url))

    event = Event()
    event.add("uid", event_uid(assignment.pk, cycle))
    event.add("sequence", sequence)
    changed = assignment.modified or assignment.created
    event.add("dtstamp", changed.astimezone(datetime.UTC))
    event.add("last-modified", changed.astimezone(datetime.UTC))
    event.add("dtstart", due_date)  # a DATE value: an all-day event
    event.add("dtend", due_date + datetime.timedelta(days=1))
    event.add("summary", _("Due: {name} (mandatory)").format(name=name))
    event.add("description", "\n".join(str(line) for line in lines))
    event.add("url", target_url)
    event.add("transp", "TRANSPARENT")
    event.add("class", "PRIVATE")
    event.add("categories", [str(_("Mandatory assignment"))])
    return event


def _calendar(user, title):
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("name", title)  # RFC 7986
    cal.add("x-wr-calname", title)
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(REFRESH))
    return cal


def _build(user, entries, title):
    tz = api.user_time_zone(user)
    resolved = {key: targets.resolve(key) for key in {assignment.target_key for assignment, *_rest in entries}}
    sequences = _due_date_changes({assignment.pk for assignment, *_rest in entries})
    my_url = learner.my_page_url()
    cal = _calendar(user, title)
    for assignment, cycle, due_date in entries:
        cal.add_component(
            _event(assignment, cycle, due_date, tz, resolved[assignment.target_key], sequences[assignment.pk], my_url)
        )
    return cal.to_ical()


def _language(user):
    return messages.language_of(user)


def feed_ics(user):
    """The person's feed: every assignment cycle still to be done, as ``bytes``."""
    with translation.override(_language(user)):
        title = _("Mandatory assignments")
        return _build(user, learner.calendar_assignments(user), title)


def assignment_ics(user, assignment):
    """One assignment of the person as an iCalendar file (``bytes``), or ``None`` when nothing is due."""
    entries = [entry for entry in learner.calendar_assignments(user) if entry[0].pk == assignment.pk]
    if not entries:
        entries = [(assignment, assignment.cycle, assignment.due_date)]
    with translation.override(_language(user)):
        target = targets.resolve(assignment.target_key)
        title = target.display_name if target is not None else assignment.target_key
        return _build(user, entries, title)


def is_due_in_calendar(assignment):
    """Whether the assignment still has a cycle to do (completed single assignments have none)."""
    return assignment.is_open and (assignment.completed_at is None or bool(assignment.next_due_date))
