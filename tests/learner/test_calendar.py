"""
The learner's calendar: an iCalendar file per assignment and the subscribable feed, parsed with the
``icalendar`` package as a calendar client would read them.
"""

import datetime
import re

import pytest
from django.test import Client
from icalendar import Calendar

from mandatory_assignments import api, calendar, compat
from sandbox import controls

from ..conftest import COURSE, due_in
from .conftest import OTHER_COURSE, assign

pytestmark = pytest.mark.usefixtures("now")


def parse(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    raw = response.content
    check_rfc5545_lines(raw)
    return Calendar.from_ical(raw)


def check_rfc5545_lines(raw):
    """Lines end with CRLF and are folded at 75 octets (RFC 5545 §3.1)."""
    assert raw.endswith(b"\r\n")
    for line in raw.split(b"\r\n"):
        assert b"\n" not in line and b"\r" not in line
        assert len(line) <= 75, line


def events(cal):
    return [component for component in cal.walk("VEVENT")]


def check_calendar(cal):
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["PRODID"]) == "-//Open edX//mandatory-assignments//EN"
    for event in events(cal):
        for required in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "SEQUENCE"):
            assert required in event, required


def ics_of(client, user, assignment):
    client.force_login(user)
    return parse(client.get(f"/mandatory_assignments/my/{assignment.pk}.ics"))


def feed_url_of(browser):
    html = browser.get("/mandatory_assignments/my/").content.decode()
    found = re.search(r'id="ma-feed-url" class="ma-feed" type="text" readonly value="([^"]+)"', html)
    return found.group(1) if found else None


def create_feed(browser):
    browser.post("/mandatory_assignments/my/calendar/", {"action": "create"})
    url = feed_url_of(browser)
    assert url.startswith("http://127.0.0.1:8000/mandatory_assignments/calendar/")
    return url.removeprefix("http://127.0.0.1:8000")


# One assignment -------------------------------------------------------------------------------------


def test_an_assignment_is_an_all_day_event_on_its_due_date(client, course, learner, staff):
    assignment = assign(learner, staff, note="Bring your badge; read part 2")

    cal = ics_of(client, learner, assignment)

    check_calendar(cal)
    (event,) = events(cal)
    assert event.decoded("DTSTART") == datetime.date(2026, 12, 15)
    assert not isinstance(event.decoded("DTSTART"), datetime.datetime)  # a DATE: all day
    assert event.decoded("DTEND") == datetime.date(2026, 12, 16)
    assert str(event["SUMMARY"]) == "Due: Workplace Safety (mandatory)"
    description = str(event["DESCRIPTION"])
    assert "end of that day, 11:59 p.m. Central European Time — Europe/Berlin" in description
    assert "Bring your badge; read part 2" in description
    assert f"http://127.0.0.1:8000/courses/{COURSE}/" in description
    assert str(event["URL"]) == f"http://127.0.0.1:8000/courses/{COURSE}/"
    assert str(event["UID"]) == f"mandatory-assignment-{assignment.pk}-cycle-1@127.0.0.1"
    assert str(event["TRANSP"]) == "TRANSPARENT"


def test_a_moved_due_date_updates_the_same_event(client, course, learner, staff, admin, now):
    assignment = assign(learner, staff)
    (before,) = events(ics_of(client, learner, assignment))

    now.shift(datetime.timedelta(hours=2))
    api.update(assignment, by=admin, due_date=due_in(21))
    (after,) = events(ics_of(client, learner, assignment))

    assert str(after["UID"]) == str(before["UID"])
    assert after.decoded("DTSTART") == datetime.date(2026, 12, 22)
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after.decoded("DTSTAMP") > before.decoded("DTSTAMP")


def test_a_recurring_assignment_says_so(client, course, learner, staff):
    assignment = assign(learner, staff, repeat_weeks=52)

    (event,) = events(ics_of(client, learner, assignment))

    assert "Repeats every 52 weeks." in str(event["DESCRIPTION"])


def test_between_cycles_the_next_cycle_is_in_the_calendar(client, course, learner, staff):
    assignment = assign(learner, staff, repeat_weeks=52)
    controls.set_grade(learner, COURSE, percent=0.9, passed=True)

    (event,) = events(ics_of(client, learner, assignment))

    assert event.decoded("DTSTART") == datetime.date(2027, 12, 14)
    assert str(event["UID"]) == f"mandatory-assignment-{assignment.pk}-cycle-2@127.0.0.1"


def test_another_persons_assignment_is_not_found(client, course, learner, staff):
    other = controls.create_user("otto")
    assignment = assign(other, staff)
    client.force_login(learner)

    assert client.get(f"/mandatory_assignments/my/{assignment.pk}.ics").status_code == 404


def test_a_completed_single_assignment_has_no_file(client, course, learner, staff):
    assignment = assign(learner, staff)
    controls.set_grade(learner, COURSE, percent=0.9, passed=True)
    client.force_login(learner)

    assert client.get(f"/mandatory_assignments/my/{assignment.pk}.ics").status_code == 404


def test_the_file_needs_a_login(client, course, learner, staff):
    assignment = assign(learner, staff)

    response = client.get(f"/mandatory_assignments/my/{assignment.pk}.ics")

    assert response.status_code == 302 and response["Location"].startswith("/login/")


# The feed -----------------------------------------------------------------------------------------


def test_the_feed_has_every_open_assignment_and_needs_no_cookie(course, other_course, learner, staff, admin):
    assign(learner, admin, target=COURSE)
    assign(learner, admin, target=OTHER_COURSE, days=30)
    assign(controls.create_user("otto"), admin, target=COURSE)
    browser = Client(enforce_csrf_checks=False)
    browser.force_login(learner)
    url = create_feed(browser)

    cal = parse(Client().get(url))  # a calendar client: no session

    check_calendar(cal)
    assert sorted(event.decoded("DTSTART") for event in events(cal)) == [
        datetime.date(2026, 12, 15),
        datetime.date(2026, 12, 31),
    ]
    assert str(cal["X-WR-CALNAME"]) == "Mandatory assignments"
    raw = Client().get(url).content
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT6H\r\n" in raw
    assert b"\r\nX-PUBLISHED-TTL:PT6H\r\n" in raw


def test_the_token_is_kept_as_a_platform_preference(client, learner):
    client.force_login(learner)
    url = create_feed(client)

    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert compat.get_user_preference(learner, calendar.CALENDAR_TOKEN_PREFERENCE) == token
    assert len(token) >= 40


def test_a_wrong_token_is_not_found(client, course, learner, staff):
    assign(learner, staff)
    client.force_login(learner)
    create_feed(client)

    assert Client().get("/mandatory_assignments/calendar/not-the-right-token-at-all-0123456789.ics").status_code == 404
    assert Client().get("/mandatory_assignments/calendar/x.ics").status_code == 404


def test_a_revoked_token_is_not_found(client, course, learner, staff):
    assign(learner, staff)
    client.force_login(learner)
    url = create_feed(client)

    client.post("/mandatory_assignments/my/calendar/", {"action": "revoke"})

    assert Client().get(url).status_code == 404
    assert feed_url_of(client) is None


def test_a_new_link_replaces_the_old_one(client, course, learner, staff):
    assign(learner, staff)
    client.force_login(learner)
    old = create_feed(client)

    new = create_feed(client)

    assert new != old
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200


def test_a_deactivated_account_has_no_feed(client, course, learner, staff):
    assign(learner, staff)
    client.force_login(learner)
    url = create_feed(client)
    learner.is_active = False
    learner.save()

    assert Client().get(url).status_code == 404


def test_the_feed_speaks_the_persons_language(client, course, learner, staff):
    compat.set_user_preference(learner, "pref-lang", "de")
    assign(learner, staff)
    client.force_login(learner)
    url = create_feed(client)

    (event,) = events(parse(Client().get(url)))

    assert "Mitteleuropäische Zeit — Europe/Berlin" in str(event["DESCRIPTION"])


def test_managing_the_feed_needs_the_csrf_token(learner):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(learner)

    assert browser.post("/mandatory_assignments/my/calendar/", {"action": "create"}).status_code == 403
    assert calendar.feed_token(learner) is None
