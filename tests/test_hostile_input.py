"""
Hand-written hostile input (issue 10, part 3), through the REST API, the Python API and the staff pages:
dates in the past and far ahead, 29 February, malformed dates, unknown and malformed keys, usernames and
group ids, other companies' people, a 10,000-line pasted list with garbage lines, HTML and template
syntax in notes and in custom email templates, oversized notes, unicode and right-to-left names.

Each refusal gives the documented code and a human message, and writes nothing: the rows of
Assignment, Reminder, Delivery, AuditEntry, BulkJob and CourseEnrollment are counted before and after.
Valid input among them (29 February of a leap year, unicode and right-to-left names, markup in a note)
works, and the markup is shown as text, never run.
"""

import datetime
import html as html_module
import json

import pytest
from common.djangoapps.student.models import CourseEnrollment
from django.core import mail
from django.test import Client
from django.urls import reverse

from mandatory_assignments import api
from mandatory_assignments.email_templates import render_template, template_errors
from mandatory_assignments.models import Assignment, AuditEntry, BulkJob, Delivery, EmailTemplate, Reminder
from sandbox import controls

from .conftest import COURSE, NOW, due_in

pytestmark = pytest.mark.usefixtures("now")

API = "/api/mandatory_assignments/v1/"
LIST = f"{API}assignments/"
PREVIEW = f"{API}bulk/preview/"
BULK = f"{API}bulk/"
PATH = "path-v1:AcmeX+ONBOARD+2026+core"
ACME = "acme.example.com"
GLOBEX = "globex.example.com"
LATEST = datetime.date(NOW.year + 10, NOW.month, NOW.day)  # MAX_DUE_YEARS (10) from today
RTL_NAME = "مريم_العلي"  # Arabic, right to left
MIXED = "\u202eevil\u202c"  # a right-to-left override inside a name


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Assignment, Reminder, Delivery, AuditEntry, BulkJob, CourseEnrollment)
    }


@pytest.fixture
def world(course, settings):
    """Acme's course staff and learners, Globex's learner, a cohort, a team, a department; company scoping on."""
    controls.create_course(PATH.replace("path-v1", "course-v1").replace("+core", ""), display_name="Unused")
    staff = controls.create_user("stella", email="stella@example.com", site=ACME)
    controls.make_course_staff(staff, COURSE)
    learner = controls.create_user("lena", email="lena@example.com", site=ACME, time_zone="Europe/Berlin")
    controls.create_user(RTL_NAME, email="maryam@example.com", site=ACME, department="مبيعات")
    controls.create_user("globex_gina", email="gina@globex.example.com", site=GLOBEX)
    cohort = controls.create_cohort(COURSE, "Night shift", users=[learner])
    controls.create_team(COURSE, "Red team", users=[learner])
    settings.MANDATORY_ASSIGNMENTS_SCOPE = "site"
    return {"staff": staff, "learner": learner, "cohort": cohort}


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def body(**changes):
    return {"user": "lena", "target": COURSE, "due_date": due_in(30).isoformat(), **changes}


def assert_refused(response, status, code, field=None):
    assert response.status_code == status, response.content
    data = response.json()
    assert data["code"] == code, data
    assert data["detail"].strip() and not data["detail"].startswith("{"), data  # a sentence, not a dump
    if field is not None:
        assert field in data["field_errors"], data
        assert all(message.strip() for message in data["field_errors"][field])


# Creating one assignment through the REST API ------------------------------------------------------------

REFUSED = [
    # Due dates
    pytest.param({"due_date": "2026-11-01"}, "due_date_too_soon", "due_date", id="due-date-in-the-past"),
    pytest.param({"due_date": "1970-01-01"}, "due_date_too_soon", "due_date", id="due-date-1970"),
    pytest.param({"due_date": NOW.date().isoformat()}, "due_date_too_soon", "due_date", id="due-date-today"),
    pytest.param({"due_date": due_in(2).isoformat()}, "due_date_too_soon", "due_date", id="due-date-inside-lead-time"),
    pytest.param(
        {"due_date": (LATEST + datetime.timedelta(days=1)).isoformat()},
        "invalid_due_date",
        "due_date",
        id="due-date-beyond-max-due-years",
    ),
    pytest.param({"due_date": "9999-12-31"}, "invalid_due_date", "due_date", id="due-date-year-9999"),
    pytest.param({"due_date": "2027-02-29"}, "invalid_due_date", "due_date", id="feb-29-of-a-non-leap-year"),
    pytest.param({"due_date": "2100-02-29"}, "invalid_due_date", "due_date", id="feb-29-of-2100-no-leap-year"),
    pytest.param({"due_date": "2026-12-32"}, "invalid_due_date", "due_date", id="malformed-date-day-32"),
    pytest.param({"due_date": "2026-13-01"}, "invalid_due_date", "due_date", id="malformed-date-month-13"),
    pytest.param({"due_date": "2026-00-10"}, "invalid_due_date", "due_date", id="malformed-date-month-0"),
    pytest.param({"due_date": "31.12.2026"}, "invalid_due_date", "due_date", id="malformed-date-german-order"),
    pytest.param({"due_date": "12/31/2026"}, "invalid_due_date", "due_date", id="malformed-date-us-order"),
    pytest.param({"due_date": "2026-12-1"}, "invalid_due_date", "due_date", id="malformed-date-one-digit-day"),
    pytest.param({"due_date": "20261231"}, "invalid_due_date", "due_date", id="malformed-date-basic-format"),
    pytest.param({"due_date": "2026-W53-1"}, "invalid_due_date", "due_date", id="malformed-date-iso-week"),
    pytest.param({"due_date": "2026-12-31T00:00"}, "invalid_due_date", "due_date", id="malformed-date-a-moment"),
    pytest.param(
        {"due_date": "２０２６-１２-３１"}, "invalid_due_date", "due_date", id="malformed-date-fullwidth-digits"
    ),
    pytest.param({"due_date": "٢٠٢٦-١٢-٣١"}, "invalid_due_date", "due_date", id="malformed-date-arabic-indic-digits"),
    pytest.param({"due_date": "2026-12-31\x00"}, "invalid_due_date", "due_date", id="malformed-date-nul-byte"),
    pytest.param({"due_date": ""}, "invalid_due_date", "due_date", id="malformed-date-empty"),
    pytest.param({"due_date": "tomorrow"}, "invalid_due_date", "due_date", id="malformed-date-words"),
    pytest.param({"due_date": 20261231}, "invalid_due_date", "due_date", id="malformed-date-a-number"),
    pytest.param({"due_date": None}, "invalid_due_date", "due_date", id="malformed-date-null"),
    pytest.param({"due_date": ["2026-12-31"]}, "invalid_due_date", "due_date", id="malformed-date-a-list"),
    pytest.param({"due_date": {"$gt": ""}}, "invalid_due_date", "due_date", id="malformed-date-an-object"),
    # Targets
    pytest.param({"target": "course-v1:AcmeX+NOPE+2026"}, "unknown_target", "target", id="unknown-course-key"),
    pytest.param({"target": "path-v1:AcmeX+NOPE+2026+core"}, "unknown_target", "target", id="unknown-path-key"),
    pytest.param({"target": "not-a-key"}, "unknown_target", "target", id="malformed-course-key"),
    pytest.param({"target": "course-v1:"}, "unknown_target", "target", id="malformed-course-key-empty-parts"),
    pytest.param({"target": "course-v1:AcmeX+SAFE101"}, "unknown_target", "target", id="malformed-course-key-no-run"),
    pytest.param({"target": "../../etc/passwd"}, "unknown_target", "target", id="malformed-key-path-traversal"),
    pytest.param({"target": "<script>alert(1)</script>"}, "unknown_target", "target", id="malformed-key-html"),
    pytest.param({"target": "course-v1:" + "A" * 5000}, "unknown_target", "target", id="malformed-key-5000-chars"),
    pytest.param({"target": "course-v1:AcmeX+SAFE101+2026\x00"}, "invalid", "target", id="malformed-key-nul"),
    pytest.param({"target": ""}, "invalid", "target", id="empty-target"),
    pytest.param({"target": ["course-v1:AcmeX+SAFE101+2026"]}, "invalid", "target", id="target-a-list"),
    # People
    pytest.param({"user": "nobody"}, "unknown_user", "user", id="unknown-username"),
    pytest.param({"user": "nobody@example.com"}, "unknown_user", "user", id="unknown-email"),
    pytest.param({"user": "' OR 1=1 --"}, "unknown_user", "user", id="malformed-username-sql"),
    pytest.param({"user": "<img src=x onerror=alert(1)>"}, "unknown_user", "user", id="malformed-username-html"),
    pytest.param({"user": "lena\x00"}, "invalid", "user", id="malformed-username-nul"),
    pytest.param({"user": "x" * 10000}, "unknown_user", "user", id="malformed-username-10000-chars"),
    pytest.param({"user": "9" * 40}, "unknown_user", "user", id="malformed-user-id-beyond-64-bits"),
    pytest.param({"user": "²"}, "unknown_user", "user", id="malformed-user-id-superscript-digit"),
    pytest.param({"user": "%"}, "unknown_user", "user", id="malformed-username-like-wildcard"),
    pytest.param({"user": "globex_gina"}, "other_company", "user", id="other-companys-person-by-username"),
    pytest.param({"user": "gina@globex.example.com"}, "other_company", "user", id="other-companys-person-by-email"),
    pytest.param({"user": ""}, "invalid", "user", id="empty-user"),
    pytest.param({"user": 42}, "unknown_user", "user", id="user-a-number-naming-nobody"),
    # Notes
    pytest.param({"note": "x" * 2001}, "invalid_note", "note", id="oversized-note-2001"),
    pytest.param({"note": "€" * 2001}, "invalid_note", "note", id="oversized-note-multibyte"),
    pytest.param({"note": "x" * 1_000_000}, "invalid_note", "note", id="oversized-note-a-megabyte"),
    pytest.param({"note": 12}, "invalid_note", "note", id="note-a-number"),
    pytest.param({"note": {"html": "<b>"}}, "invalid_note", "note", id="note-an-object"),
    # Reminders and repetition
    pytest.param(
        {"reminders": [{"days": 10**20, "recipient": "student"}]},
        "invalid_reminder",
        "reminders",
        id="reminder-days-huge",
    ),
    pytest.param(
        {"reminders": [{"days": "3", "recipient": "student"}]}, "invalid_reminder", "reminders", id="reminder-days-text"
    ),
    pytest.param(
        {"reminders": [{"days": 3, "recipient": "student", "template": "{% debug %}"}]},
        "invalid_reminder",
        "reminders",
        id="reminder-template-tag-as-name",
    ),
    pytest.param({"reminders": [{"days": 3}] * 21}, "invalid_reminder", "reminders", id="too-many-reminders"),
    pytest.param({"reminders": [None]}, "invalid_reminder", "reminders", id="reminder-null"),
    pytest.param({"repeat_weeks": 10**20}, "invalid_repetition", "repeat_weeks", id="repeat-weeks-huge"),
    pytest.param({"repeat_weeks": -1}, "invalid_repetition", "repeat_weeks", id="repeat-weeks-negative"),
    pytest.param({"repeat_weeks": 1.5}, "invalid_repetition", "repeat_weeks", id="repeat-weeks-fraction"),
    pytest.param({"repeat_weeks": True}, "invalid_repetition", "repeat_weeks", id="repeat-weeks-boolean"),
    # The body itself
    pytest.param({"__proto__": {"is_staff": True}}, "invalid", "__proto__", id="unknown-field-proto"),
]


@pytest.mark.parametrize("changes, code, field", REFUSED)
def test_a_hostile_assignment_is_refused_and_writes_nothing(world, changes, code, field):
    client = client_of(world["staff"])
    before = counts()

    response = post(client, LIST, body(**changes))

    assert_refused(response, 400, code, field)
    assert counts() == before


@pytest.mark.parametrize(
    "raw, content_type, status, code",
    [
        pytest.param(b"{not json", "application/json", 400, "invalid", id="body-not-json"),
        pytest.param(b"\xff\xfe\x00", "application/json", 400, "invalid", id="body-not-utf8"),
        pytest.param(b"[1, 2, 3]", "application/json", 400, "invalid", id="body-a-list"),
        pytest.param(b"null", "application/json", 400, "invalid", id="body-null"),
        pytest.param(b'"lena"', "application/json", 400, "invalid", id="body-a-string"),
        pytest.param(b"[" * 100000 + b"]" * 100000, "application/json", 400, "invalid", id="body-nested-100000-deep"),
        pytest.param(
            b"user=lena", "application/x-www-form-urlencoded", 415, "unsupported_media_type", id="body-a-form"
        ),
        pytest.param(b"<xml/>", "text/xml", 415, "unsupported_media_type", id="body-xml"),
    ],
)
def test_a_body_that_is_no_json_object_is_refused(world, raw, content_type, status, code):
    before = counts()

    response = client_of(world["staff"]).post(LIST, data=raw, content_type=content_type)

    assert_refused(response, status, code)
    assert counts() == before


# Valid, if unusual -----------------------------------------------------------------------------------


def test_29_february_of_a_leap_year_is_a_due_date(world):
    response = post(client_of(world["staff"]), LIST, body(due_date="2028-02-29"))

    assert response.status_code == 201, response.content
    assert response.json()["due_date"] == "2028-02-29"
    assert Assignment.objects.get().due_date == datetime.date(2028, 2, 29)


def test_the_last_day_allowed_is_accepted_and_the_next_refused(world):
    client = client_of(world["staff"])

    assert post(client, LIST, body(due_date=(LATEST + datetime.timedelta(days=1)).isoformat())).status_code == 400
    assert post(client, LIST, body(due_date=LATEST.isoformat())).status_code == 201


@pytest.mark.parametrize(
    "username, name_query",
    [
        pytest.param(RTL_NAME, "مريم", id="right-to-left-username"),
        pytest.param("zoë.ångström", "ångström", id="accented-username"),
        pytest.param("李小龙", "小龙", id="cjk-username"),
        pytest.param(f"x{MIXED}", "evil", id="rtl-override-in-username"),
    ],
)
def test_unicode_and_right_to_left_names_work(world, username, name_query, django_capture_on_commit_callbacks):
    person = controls.create_user(username, email=f"u{len(username)}@example.com", site=ACME)
    client = client_of(world["staff"])

    with django_capture_on_commit_callbacks(execute=True):
        created = post(client, LIST, body(user=username, note=f"Für {username} — شكرا"))
    listed = client.get(LIST, {"q": name_query, "course_id": COURSE})
    found = client.get(f"{API}people/", {"q": name_query, "target": COURSE})

    assert created.status_code == 201, created.content
    assert created.json()["user"]["username"] == username
    assert created.json()["note"] == f"Für {username} — شكرا"
    assert [row["user"]["username"] for row in listed.json()["results"]] == [username]
    assert [row["username"] for row in found.json()] == [username]
    (notice,) = [message for message in mail.outbox if person.email in message.to]
    assert username in notice.body or person.get_full_name() in notice.body


# Markup and template syntax are text ---------------------------------------------------------------

MARKUP_NOTE = (
    "<script>alert('x')</script><img src=x onerror=alert(1)> {{ request.user.password }} "
    "{% load static %}{% debug %} {{ learner_name }} ${7*7} #{7*7}"
)


def test_markup_and_template_syntax_in_a_note_are_kept_as_text_and_never_run(world, django_capture_on_commit_callbacks):
    staff, learner = world["staff"], world["learner"]
    with django_capture_on_commit_callbacks(execute=True):  # the "assigned" email goes out
        created = post(client_of(staff), LIST, body(note=MARKUP_NOTE))
    assert created.status_code == 201, created.content
    assignment = Assignment.objects.get()
    assert assignment.note == MARKUP_NOTE
    (email,) = [message for message in mail.outbox if learner.email in message.to]
    html = email.alternatives[0][0]
    page = client_of(staff).get(reverse("mandatory_assignments:staff-assignment", args=[assignment.pk]))
    my_page = client_of(learner).get(reverse("mandatory_assignments:learner-my"))

    for text in (html, page.content.decode(), my_page.content.decode()):
        assert "<script>alert" not in text and "<img src=x" not in text
        assert "&lt;script&gt;" in text
        for literal in ("{{ request.user.password }}", "{% debug %}", "${7*7}", "#{7*7}"):
            assert literal in html_module.unescape(text), literal  # shown as written, not evaluated
    assert "{{ learner_name }}" in email.body  # a placeholder in the note is not filled in either
    assert page.status_code == my_page.status_code == 200


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("{% load static %}", id="template-load-tag"),
        pytest.param("{% include 'secrets.txt' %}", id="template-include-tag"),
        pytest.param("{{ user.password }}", id="attribute-lookup"),
        pytest.param("{{ learner_name|safe }}", id="filter"),
        pytest.param("{{ settings.SECRET_KEY }}", id="settings-lookup"),
        pytest.param("{# hidden #}", id="template-comment"),
        pytest.param("{{ learner_name", id="unclosed-placeholder"),
        pytest.param("{{ __class__.__mro__ }}", id="python-dunder"),
    ],
)
def test_template_syntax_in_a_custom_email_template_is_refused_and_never_run(text):
    assert template_errors(text)  # the admin refuses to save it

    # Even one stored around the admin renders it as text: nothing is evaluated, markup is sanitised.
    template = EmailTemplate(
        name="odd",
        subject=f"Hi {text}",
        body_text=f"Text {text}",
        body_html=f"<p onclick='x()'>{text}</p><script>1</script>",
    )
    rendered = render_template(template, {"learner_name": "<b>Lena</b>", "note": "n"})
    for part in rendered.values():
        assert "SECRET" not in part.replace("SECRET_KEY", "") and "pbkdf2" not in part
        assert "<script>" not in rendered["html"] and "onclick" not in rendered["html"]


def test_a_custom_template_fills_placeholders_with_escaped_values(world):
    EmailTemplate.objects.create(
        name="nudge", subject="{{ learner_name }}: {{ note }}", body_text="{{ note }}", body_html="<p>{{ note }}</p>"
    )
    rendered = render_template(EmailTemplate.objects.get(), {"learner_name": "Lena", "note": MARKUP_NOTE})

    assert "<script>" not in rendered["html"] and "&lt;script&gt;" in rendered["html"]
    assert "{% debug %}" in rendered["text"]  # as written, never run


# Groups and bulk -------------------------------------------------------------------------------------


def bulk_body(people, **changes):
    return {"target": COURSE, "due_date": due_in(30).isoformat(), "people": people, **changes}


@pytest.mark.parametrize(
    "people, status, code, field",
    [
        pytest.param({"cohorts": [999999]}, 400, "invalid", "people.cohorts", id="unknown-cohort-id"),
        pytest.param({"cohorts": ["night"]}, 400, "invalid", "people.cohorts.0", id="malformed-cohort-id"),
        pytest.param({"cohorts": [10**30]}, 400, "invalid", "people.cohorts", id="cohort-id-beyond-64-bits"),
        pytest.param({"teams": ["no-such-team"]}, 400, "invalid", "people.teams", id="unknown-team-id"),
        pytest.param({"teams": ["../../etc"]}, 400, "invalid", "people.teams", id="malformed-team-id"),
        pytest.param({"departments": ["<script>"]}, 400, "invalid", "people.departments", id="unknown-department"),
        pytest.param({"users": "lena"}, 400, "invalid", "people.users", id="users-not-a-list"),
        pytest.param({"users": [None]}, 400, "invalid", "people.users.0", id="users-null-entry"),
        pytest.param({"groups": ["x"]}, 400, "invalid", "people.groups", id="unknown-kind-of-group"),
        pytest.param("everyone", 400, "invalid", "people", id="people-a-string"),
        pytest.param({"users": [{"username": "lena"}]}, 400, "invalid", "people.users.0", id="users-an-object-entry"),
    ],
)
@pytest.mark.parametrize("url", [PREVIEW, BULK], ids=["preview", "bulk"])
def test_unknown_and_malformed_groups_refuse_the_batch_and_write_nothing(world, url, people, status, code, field):
    before = counts()

    response = post(client_of(world["staff"]), url, bulk_body(people))

    assert_refused(response, status, code, field)
    assert counts() == before


GARBAGE = [
    "",
    "   ",
    "<script>alert(1)</script>",
    "' OR '1'='1",
    "{{ request.user.password }}",
    "\u202egnp.exe",
    "x" * 300,
    "²",
    "9" * 40,
    "nobody@example.com",
    "globex_gina",  # another company's person: not assignable, named as given
    "\x00",
    "😀",
]


def ten_thousand_lines(people):
    """10,000 lines: the given people (each twice) and garbage in between."""
    lines = []
    while len(lines) < 10000:
        for index, person in enumerate(people):
            lines.append(person.username if index % 2 else person.email.upper())
            lines.append(GARBAGE[len(lines) % len(GARBAGE)] + str(len(lines)))
    lines = lines[:10000]
    lines[1] = "globex_gina"  # another company's person
    return lines


@pytest.fixture
def forty(world):
    return [controls.create_user(f"crew{n:02d}", email=f"crew{n:02d}@example.com", site=ACME) for n in range(40)]


def test_a_10000_line_list_with_garbage_previews_everyone_once_and_writes_nothing(world, forty):
    before = counts()

    response = post(client_of(world["staff"]), PREVIEW, bulk_body({"users": ten_thousand_lines(forty)}))

    assert response.status_code == 200, response.content[:500]
    data = response.json()
    assert data["count"] == 40 and sorted(data["create"]) == sorted(p.username for p in forty)
    invalid = {entry["value"] for entry in data["invalid"]}
    assert len(invalid) == 5000 and "globex_gina" in invalid  # every garbage line, named as given
    assert all(entry["reason"].strip() for entry in data["invalid"])
    assert counts() == before


def test_a_10000_line_list_with_garbage_assigns_each_person_once_and_reports_the_rest(world, forty):
    before = counts()

    response = post(client_of(world["staff"]), BULK, bulk_body({"users": ten_thousand_lines(forty)}))

    assert response.status_code == 200, response.content[:500]
    data = response.json()
    assert sorted(data["created"]) == sorted(p.username for p in forty)
    assert not data["skipped"]
    failed = {entry["value"] for entry in data["failed"]}
    assert len(failed) == len(data["failed"]) == 5000 and "globex_gina" in failed  # each garbage line, once
    assert all(entry["message"].strip() for entry in data["failed"])
    after = counts()
    assert after["Assignment"] - before["Assignment"] == 40
    assert after["CourseEnrollment"] - before["CourseEnrollment"] == 40


def test_blank_lines_and_control_characters_in_a_list_are_reported_per_value(world):
    before = counts()
    values = ["", "   ", "\x00", "lena\x00", "\t\n", "lena", 12345]

    response = post(client_of(world["staff"]), PREVIEW, bulk_body({"users": values}))

    assert response.status_code == 200, response.content
    assert response.json()["create"] == ["lena"]
    assert len(response.json()["invalid"]) == len(values) - 1
    assert counts() == before


# The staff pages' pasted list --------------------------------------------------------------------------


def test_a_10000_line_pasted_list_on_the_bulk_page_is_read_whole(world, forty):
    pasted = "\n".join(ten_thousand_lines(forty))
    client = client_of(world["staff"])
    bulk_page = reverse("mandatory_assignments:staff-course-bulk", kwargs={"course_id": COURSE})
    before = counts()

    client.post(bulk_page, {"target": COURSE, "due_date": due_in(30).isoformat(), "next": "1"})
    people_step = client.post(f"{bulk_page}people/", {"pasted": pasted, "tab": "pasted", "next": "1"})
    client.post(f"{bulk_page}reminders/", {"form-TOTAL_FORMS": "0", "form-INITIAL_FORMS": "0", "next": "1"})
    preview = client.get(f"{bulk_page}preview/")

    assert people_step.status_code == 302, people_step.content[:300]
    text = preview.content.decode()
    assert "40 people will receive the assignment." in text, text[:2000]
    assert "<script>alert(1)</script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert counts() == before


def test_people_at_the_end_of_a_long_pasted_list_are_not_lost(world, forty):
    """9,960 lines of garbage (about 300,000 characters), then the 40 people: all 40 are read."""
    garbage = [f"{GARBAGE[n % len(GARBAGE)][:25]} no-such-person-{n:05d}" for n in range(9960)]
    pasted = "\n".join(garbage + [person.email for person in forty])
    client = client_of(world["staff"])
    bulk_page = reverse("mandatory_assignments:staff-course-bulk", kwargs={"course_id": COURSE})

    client.post(bulk_page, {"target": COURSE, "due_date": due_in(30).isoformat(), "next": "1"})
    client.post(f"{bulk_page}people/", {"pasted": pasted, "tab": "pasted", "next": "1"})
    client.post(f"{bulk_page}reminders/", {"form-TOTAL_FORMS": "0", "form-INITIAL_FORMS": "0", "next": "1"})
    preview = client.get(f"{bulk_page}preview/")

    assert len(pasted) > 300_000
    assert "40 people will receive the assignment." in preview.content.decode()


def test_a_pasted_list_longer_than_10000_entries_is_refused_not_cut(world, forty):
    pasted = "\n".join([f"nobody{n:05d}" for n in range(10000)] + [forty[0].username])
    client = client_of(world["staff"])
    bulk_page = reverse("mandatory_assignments:staff-course-bulk", kwargs={"course_id": COURSE})
    client.post(bulk_page, {"target": COURSE, "due_date": due_in(30).isoformat(), "next": "1"})

    response = client.post(f"{bulk_page}people/", {"pasted": pasted, "tab": "pasted", "next": "1"})

    assert response.status_code == 400
    assert "10,001" in response.content.decode() and "10,000" in response.content.decode()


# Other paths -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, status, code",
    [
        pytest.param("assignments/-1/", 404, "not_found", id="negative-assignment-id"),
        pytest.param("assignments/abc/", 404, "not_found", id="malformed-assignment-id"),
        pytest.param("assignments/99999999999999999999999/", 404, "not_found", id="assignment-id-beyond-64-bits"),
        pytest.param("assignments/%00/", 404, "not_found", id="nul-assignment-id"),
        pytest.param("bulk/..%2F..%2Fetc/", 404, "not_found", id="malformed-task-id"),
        pytest.param("no-such-endpoint/", 404, "not_found", id="unknown-endpoint"),
        pytest.param("assignments/?page_size=abc", 400, "invalid", id="malformed-page-size"),
        pytest.param("assignments/?page_size=-5", 400, "invalid", id="negative-page-size"),
        pytest.param("assignments/?page=abc", 404, "not_found", id="malformed-page"),
        pytest.param("assignments/?status=<script>", 400, "invalid", id="malformed-status-filter"),
        pytest.param("assignments/?target=course-v1:%00", 400, "invalid", id="malformed-target-filter"),
        pytest.param("assignments/?course_id=course-v1:<b>", 400, "invalid", id="malformed-course-filter"),
        pytest.param("groups/?course_id=not-a-key", 400, "unknown_target", id="malformed-groups-course"),
        pytest.param("groups/?course_id=course-v1:AcmeX+NOPE+2026", 400, "unknown_target", id="unknown-groups-course"),
        pytest.param("people/?target=<script>", 400, "unknown_target", id="malformed-people-target"),
    ],
)
def test_malformed_paths_and_parameters_are_refused_in_the_error_shape(world, path, status, code):
    before = counts()

    response = client_of(world["staff"]).get(f"{API}{path}")

    assert_refused(response, status, code)
    assert counts() == before


@pytest.mark.parametrize("value", ["²", "١٢"], ids=["superscript-digit", "arabic-indic-digits"])
def test_a_username_of_non_ascii_digits_is_a_username_not_an_id(world, value):
    controls.create_user(value, email="digits@example.com", site=ACME)

    response = post(client_of(world["staff"]), LIST, body(user=value))

    assert response.status_code == 201, response.content
    assert response.json()["user"]["username"] == value


def test_the_list_filtered_by_a_user_of_non_ascii_digits_finds_that_username(world):
    person = controls.create_user("²", email="digits@example.com", site=ACME)
    assert post(client_of(world["staff"]), LIST, body(user="²")).status_code == 201

    response = client_of(world["staff"]).get(LIST, {"user": "²", "target": COURSE})

    assert response.status_code == 200
    assert [row["user"]["username"] for row in response.json()["results"]] == [person.username]


@pytest.mark.parametrize(
    "path, raw, german",
    [
        pytest.param("assignments/?page_size=abc", None, "Geben Sie die Zeilen pro Seite", id="page-size"),
        pytest.param("assignments/", b"[" * 100000, "zu tief verschachtelt", id="nested-json"),
        pytest.param(
            "bulk/preview/",
            json.dumps({"target": COURSE, "due_date": "2027-01-10", "people": {"users": [None]}}).encode(),
            "als Text angegeben",
            id="person-not-text",
        ),
    ],
)
def test_the_new_refusals_speak_german(world, path, raw, german):
    client = client_of(world["staff"])
    if raw is None:
        response = client.get(f"{API}{path}", HTTP_ACCEPT_LANGUAGE="de")
    else:
        response = client.post(f"{API}{path}", data=raw, content_type="application/json", HTTP_ACCEPT_LANGUAGE="de")

    assert response.status_code == 400
    assert german in response.json()["detail"] + " ".join(sum(response.json()["field_errors"].values(), []))


# The Python API ----------------------------------------------------------------------------------------

PYTHON_REFUSED = [
    pytest.param({"due_date": "2026-W53-1"}, "invalid_due_date", id="py-due-date-iso-week"),
    pytest.param({"due_date": "20270110"}, "invalid_due_date", id="py-due-date-basic-format"),
    pytest.param({"due_date": 20270110}, "invalid_due_date", id="py-due-date-a-number"),
    pytest.param({"due_date": None}, "invalid_due_date", id="py-due-date-none"),
    pytest.param({"due_date": "2027-02-29"}, "invalid_due_date", id="py-feb-29-of-a-non-leap-year"),
    pytest.param({"due_date": datetime.date(2026, 11, 1)}, "due_date_too_soon", id="py-due-date-in-the-past"),
    pytest.param({"due_date": datetime.date(9999, 12, 31)}, "invalid_due_date", id="py-due-date-year-9999"),
    pytest.param(
        {"due_date": datetime.datetime(2027, 1, 10, tzinfo=datetime.UTC)}, "invalid_due_date", id="py-due-date-moment"
    ),
    pytest.param({"target": None}, "unknown_target", id="py-target-none"),
    pytest.param({"target": 12345}, "unknown_target", id="py-target-a-number"),
    pytest.param({"target": "course-v1:AcmeX+NOPE+2026"}, "unknown_target", id="py-unknown-course"),
    pytest.param({"target": "path-v1:%%%"}, "unknown_target", id="py-malformed-path-key"),
    pytest.param({"user": None}, "unknown_user", id="py-user-none"),
    pytest.param({"user": "lena"}, "unknown_user", id="py-user-a-username-not-a-user"),
    pytest.param({"note": b"bytes"}, "invalid_note", id="py-note-bytes"),
    pytest.param({"note": "x" * 2001}, "invalid_note", id="py-oversized-note"),
    pytest.param({"reminders": "3 days"}, "invalid_reminder", id="py-reminders-text"),
    pytest.param(
        {"reminders": [{"days": 3, "recipient": "student", "template": "<b>"}]},
        "invalid_reminder",
        id="py-reminder-unknown-template",
    ),
    pytest.param({"repeat_weeks": "52"}, "invalid_repetition", id="py-repeat-weeks-text"),
    pytest.param({"repeat_weeks": 521}, "invalid_repetition", id="py-repeat-weeks-beyond-520"),
]


@pytest.mark.parametrize("changes, code", PYTHON_REFUSED)
def test_the_python_api_refuses_hostile_values_and_writes_nothing(world, changes, code):
    kwargs = {
        "user": world["learner"],
        "target": COURSE,
        "due_date": due_in(30),
        "assigned_by": world["staff"],
        **changes,
    }
    before = counts()

    with pytest.raises(api.AssignmentError) as error:
        api.assign(**kwargs)

    assert error.value.code == code
    assert " ".join(error.value.messages).strip()
    assert counts() == before


def test_the_python_api_refuses_another_companys_person(world):
    gina = controls.create_user("globex_gina", site=GLOBEX)
    before = counts()

    with pytest.raises(api.AssignmentError) as error:
        api.assign(user=gina, target=COURSE, due_date=due_in(30), assigned_by=world["staff"])

    assert error.value.code == "other_company"
    assert counts() == before


def test_bulk_assign_with_garbage_values_fails_them_one_by_one(world, forty):
    values = [*forty[:5], "", "\x00", "<script>", "²", 12345, "globex_gina"]
    before = counts()

    result = api.bulk_assign(users=values, target=COURSE, due_date=due_in(30), assigned_by=world["staff"])

    assert sorted(row.user.username for row in result.created) == sorted(p.username for p in forty[:5])
    assert len(result.failed) == 6 and all(str(message).strip() for __, message in result.failed)
    assert counts()["Assignment"] - before["Assignment"] == 5
