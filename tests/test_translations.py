"""
German and English: a German learner's five emails and the pages come out in German (dates and the time
zone in words included), an API error in the caller's language, and catalogs that miss nothing.

"No English left" is checked against the English catalog itself: no sentence of it (a message of two or
more words, without placeholders) may appear in a German email or page.
"""

import datetime
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from html import unescape
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from babel.messages.pofile import read_po
from django.core import mail
from django.urls import reverse
from django.utils import translation

from mandatory_assignments import api, compat, filters, learner
from mandatory_assignments.settings import common as common_settings
from sandbox import controls

from .conftest import COURSE

REPO = Path(__file__).resolve().parent.parent
LOCALE_DIR = REPO / "mandatory_assignments" / "conf" / "locale"
UTC = datetime.UTC
DUE = datetime.date(2026, 12, 15)
DUE_DE = "15. Dezember 2026"  # Django's German DATE_FORMAT ("j. F Y")
ZONE_DE = "Mitteleuropäische Zeit"  # Babel's German name of Europe/Berlin
NEXT_DUE_DE = "14. Dezember 2027"  # 52 weeks after the due date
PASSWORD = "pw"


def at(year, month, day, hour=0, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english_afterwards():
    """A German request leaves German active in the thread: the next test starts in the default language."""
    yield
    translation.deactivate()


@pytest.fixture
def staff(course):
    user = controls.create_user("stella", email="stella@example.com", password=PASSWORD)
    controls.make_course_staff(user, COURSE)
    return user


@pytest.fixture
def greta(db):
    """A learner in Berlin whose language is German (the platform's ``pref-lang`` preference)."""
    user = controls.create_user("greta", email="greta@example.com", password=PASSWORD, time_zone="Europe/Berlin")
    compat.set_user_preference(user, "pref-lang", "de")
    return user


# What is English ------------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"%\(\w+\)|\{\w*\}|<")


def _english_sentences():
    with open(LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po", "rb") as po_file:
        catalog = read_po(po_file)
    sentences = set()
    for message in catalog:
        for text in message.id if isinstance(message.id, tuple) else (message.id,):
            if text and " " in text.strip() and not _PLACEHOLDER.search(text):
                sentences.add(text)
    return sentences


ENGLISH = _english_sentences()


def english_in(text):
    """The English catalog's sentences found in ``text`` (HTML tags dropped, entities read)."""
    plain = " ".join(unescape(re.sub(r"<[^>]+>", " ", text)).split())
    return sorted(sentence for sentence in ENGLISH if " ".join(sentence.split()) in plain)


def html_of(email):
    return next(content for content, mimetype in email.alternatives if mimetype == "text/html")


def only_email_to(address):
    found = [email for email in mail.outbox if email.to == [address]]
    assert len(found) == 1, [email.subject for email in found]
    return found[0]


def assert_german(email):
    for text in (email.subject, email.body, html_of(email)):
        assert english_in(text) == []
    assert 'lang="de"' in html_of(email)


# The five emails, through the real flows ----------------------------------------------------------


def test_a_german_learner_gets_each_of_the_five_emails_in_german(staff, greta, django_capture_on_commit_callbacks):
    # Assigned (by English-speaking staff) on 1 December, due 15 December, every 52 weeks, with a reminder
    # three days before and a dunning reminder one day after the due date.
    with time_machine.travel(at(2026, 12, 1, 12), tick=False), django_capture_on_commit_callbacks(execute=True):
        assignment = api.assign(
            user=greta,
            target=COURSE,
            due_date=DUE,
            assigned_by=staff,
            repeat_weeks=52,
            note="Bitte vor dem nächsten Teammeeting",
            reminders=[{"days": 3, "recipient": "student"}, {"days": -1, "recipient": "student"}],
        )
    assigned = only_email_to("greta@example.com")
    assert assigned.subject == "Neue Pflichtschulung: Workplace Safety"
    assert "Guten Tag Greta," in assigned.body
    assert "Stella hat Ihnen den Kurs „Workplace Safety“ als Pflichtschulung zugewiesen." in assigned.body
    assert f"Bitte schließen Sie ihn bis zum {DUE_DE} (Ende dieses Tages, 23:59 Uhr {ZONE_DE} — Europe/Berlin) ab." in (
        " ".join(assigned.body.split())
    )
    assert f"Fälligkeitsdatum: {DUE_DE}" in assigned.body
    assert "Status: Zugewiesen" in assigned.body
    assert "Hinweis:\nBitte vor dem nächsten Teammeeting" in assigned.body
    assert "Diese Pflichtschulung wiederholt sich alle 52 Wochen" in assigned.body
    assert f"(der nächste: {NEXT_DUE_DE})" in assigned.body
    assert "Meine Pflichtschulungen" in html_of(assigned)
    assert_german(assigned)

    # The reminder: three days before the due date, just after midnight in Berlin.
    mail.outbox.clear()
    with time_machine.travel(at(2026, 12, 11, 23, 5), tick=False), django_capture_on_commit_callbacks(execute=True):
        api.run_scheduler()
    reminder = only_email_to("greta@example.com")
    assert reminder.subject == f"Erinnerung: Workplace Safety ist am {DUE_DE} fällig"
    assert "Dies ist eine Erinnerung: Bitte schließen Sie den Kurs „Workplace Safety“" in reminder.body
    assert "Er ist in 3 Tagen fällig." in " ".join(reminder.body.split())
    assert f"Die Frist endet mit Ablauf dieses Tages: 23:59 Uhr {ZONE_DE} (Europe/Berlin)." in reminder.body
    assert "Sie können Erinnerungs-E-Mails auf Ihrer Seite „Meine Pflichtschulungen“ ausschalten." in reminder.body
    assert_german(reminder)

    # Overdue: one day after the due date.
    mail.outbox.clear()
    with time_machine.travel(at(2026, 12, 16, 23, 5), tick=False), django_capture_on_commit_callbacks(execute=True):
        api.run_scheduler()
    overdue = only_email_to("greta@example.com")
    assert overdue.subject == f"Überfällig: Workplace Safety war am {DUE_DE} fällig"
    assert "Der verpflichtende Kurs „Workplace Safety“ war am" in overdue.body
    assert "Status: Überfällig" in overdue.body
    assert_german(overdue)

    # Completed late: the next cycle starts at once, and she is told in German.
    mail.outbox.clear()
    with time_machine.travel(at(2026, 12, 18, 9), tick=False), django_capture_on_commit_callbacks(execute=True):
        controls.set_grade(greta, COURSE, percent=0.9, passed=True)
    with time_machine.travel(at(2026, 12, 18, 9, 5), tick=False), django_capture_on_commit_callbacks(execute=True):
        api.run_scheduler()
    new_cycle = only_email_to("greta@example.com")
    assert new_cycle.subject == f"Neuer Zyklus: Workplace Safety ist am {NEXT_DUE_DE} wieder fällig"
    assert "ist eine wiederkehrende Pflichtschulung, und ein neuer Zyklus (Nummer 2) hat begonnen." in (
        " ".join(new_cycle.body.split())
    )
    assert "(Zyklus 2)" in new_cycle.body
    assert_german(new_cycle)

    # Withdrawn.
    mail.outbox.clear()
    assignment.refresh_from_db()
    with time_machine.travel(at(2026, 12, 19, 9), tick=False), django_capture_on_commit_callbacks(execute=True):
        api.withdraw(assignment, by=staff)
    withdrawn = only_email_to("greta@example.com")
    assert withdrawn.subject == "Zurückgezogen: Workplace Safety"
    assert "wurde zurückgezogen: Sie müssen ihn nicht mehr bis zu diesem Datum abschließen." in (
        " ".join(withdrawn.body.split())
    )
    assert f"fällig am {NEXT_DUE_DE}" in withdrawn.body
    assert_german(withdrawn)


def test_staff_emails_follow_the_staff_members_language_not_the_learners(
    staff, greta, django_capture_on_commit_callbacks
):
    compat.set_user_preference(staff, "pref-lang", "de")
    english_learner = controls.create_user("nora", email="nora@example.com", time_zone="America/New_York")
    with time_machine.travel(at(2026, 12, 1, 12), tick=False), django_capture_on_commit_callbacks(execute=True):
        api.assign(
            user=english_learner,
            target=COURSE,
            due_date=DUE,
            assigned_by=staff,
            reminders=[{"days": 3, "recipient": "student"}, {"days": 3, "recipient": "assigned_by"}],
        )
    mail.outbox.clear()
    with time_machine.travel(at(2026, 12, 12, 5, 5), tick=False), django_capture_on_commit_callbacks(execute=True):
        api.run_scheduler()

    to_staff = only_email_to("stella@example.com")
    assert to_staff.subject == f"Erinnerung: Workplace Safety für Nora ist am {DUE_DE} fällig"
    assert "Sie erhalten diese E-Mail als Person, die die Pflichtschulung zugewiesen hat." in " ".join(
        to_staff.body.split()
    )
    # The deadline is the learner's: the end of the day in New York, named in German.
    assert "Nordamerikanische Ostküstenzeit (America/New_York)" in to_staff.body
    assert_german(to_staff)
    to_learner = only_email_to("nora@example.com")
    assert to_learner.subject == "Reminder: Workplace Safety is due Dec. 15, 2026"


# Pages in the request's language --------------------------------------------------------------------


@pytest.fixture
def greta_assignment(now, staff, greta):
    return api.assign(user=greta, target=COURSE, due_date=DUE, assigned_by=staff, note="Vor dem Audit", repeat_weeks=52)


def german_page(client, url):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 200, url
    assert response.headers["Content-Language"] == "de"
    html = response.content.decode()
    assert 'lang="de"' in html
    assert english_in(html) == []
    return html


def test_the_learners_page_speaks_german(client, greta, greta_assignment):
    client.force_login(greta)
    html = german_page(client, reverse("mandatory_assignments:learner-my"))
    assert "<h1>Meine Pflichtschulungen</h1>" in html
    assert "Fälligkeitsdatum" in html and DUE_DE in html
    assert ZONE_DE in html
    assert "Zugewiesen" in html
    assert "Erinnerungs-E-Mails" in html
    assert "Wiederholt sich alle 52 Wochen" in html


def test_the_staff_pages_speak_german(client, staff, greta_assignment):
    client.force_login(staff)
    course_pages = {
        "overview": reverse("mandatory_assignments:staff-course-overview", kwargs={"course_id": COURSE}),
        "new": reverse("mandatory_assignments:staff-course-new", kwargs={"course_id": COURSE}),
        "bulk": reverse("mandatory_assignments:staff-course-bulk", kwargs={"course_id": COURSE}),
        "detail": reverse("mandatory_assignments:staff-assignment", kwargs={"assignment_id": greta_assignment.pk}),
        "edit": reverse("mandatory_assignments:staff-assignment-edit", kwargs={"assignment_id": greta_assignment.pk}),
        "withdraw": reverse(
            "mandatory_assignments:staff-assignment-withdraw", kwargs={"assignment_id": greta_assignment.pk}
        ),
    }
    pages = {name: german_page(client, url) for name, url in course_pages.items()}

    for label in ("Neu", "Massenzuweisung", "Exportieren", "Fälligkeitsdatum", "Person", "Zugewiesen"):
        assert label in pages["overview"], label
    for label in ("Ziel", "Fälligkeitsdatum", "Wiederholung (Wochen)", "Hinweis", "Tage relativ zum Fälligkeitsdatum"):
        assert label in pages["new"], label
    assert "Speichern" in pages["new"] and "E-Mail-Vorlage" in pages["new"] and "Empfänger" in pages["new"]
    assert "Grunddaten" in pages["bulk"] and "Vorschau" in pages["bulk"] and "Bestätigen" in pages["bulk"]
    assert "Bearbeiten" in pages["detail"] and "Zurückziehen" in pages["detail"]
    assert "Änderungsprotokoll" in pages["detail"] and "Benachrichtigung: zugewiesen" in pages["detail"]
    assert "Speichern" in pages["edit"]
    assert "zurückziehen?" in pages["withdraw"]
    # The script's messages come from the page, in German (staff.js reads them from this JSON).
    script = re.search(r'<script id="ma-i18n" type="application/json">(.*?)</script>', pages["new"]).group(1)
    js_strings = json.loads(script)
    assert js_strings["results_many"] == "{n} Personen gefunden. Wählen Sie mit den Pfeiltasten aus."
    assert js_strings["remove_text"] == "Entfernen"
    assert english_in(" / ".join(js_strings.values())) == []


def test_a_completed_cycle_names_its_evidence_in_german(client, staff, greta, now):
    assignment = api.assign(user=greta, target=COURSE, due_date=DUE, assigned_by=staff, repeat_weeks=52)
    controls.set_grade(greta, COURSE, percent=0.9, passed=True)
    client.force_login(staff)
    html = german_page(
        client, reverse("mandatory_assignments:staff-assignment", kwargs={"assignment_id": assignment.pk})
    )
    cycle_rows = html[html.index("Verlauf der Zyklen") : html.index("ma-reminders-title")]
    assert "Kurs bestanden" in cycle_rows or "Bestehensgrenze erreicht" in cycle_rows
    assert "Abgeschlossen" in html


def test_an_english_request_gets_english_pages(client, staff, greta_assignment):
    client.force_login(staff)
    response = client.get(
        reverse("mandatory_assignments:staff-course-overview", kwargs={"course_id": COURSE}),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    html = response.content.decode()
    assert "Bulk assignment" in html and "Massenzuweisung" not in html


def test_the_courseware_banner_speaks_german(greta, greta_assignment):
    with translation.override("de"):
        rows = learner.open_assignments_covering(greta.id, COURSE)
        html = filters.banner_html(rows, ZoneInfo("Europe/Berlin"))
    assert f"Pflichtschulung — fällig am {DUE_DE}" in html
    assert f"(Ende dieses Tages, 23:59 Uhr {ZONE_DE} — Europe/Berlin)" in html
    assert "Status: <strong>Zugewiesen</strong>" in html and "Meine Pflichtschulungen" in html
    assert english_in(html) == []


def test_the_admin_speaks_german(client, greta_assignment):
    root = controls.create_user("root", email="root@example.com", password=PASSWORD, is_staff=True)
    root.is_superuser = True
    root.save()
    client.force_login(root)

    changelist = client.get(
        reverse("admin:mandatory_assignments_assignment_changelist"), HTTP_ACCEPT_LANGUAGE="de"
    ).content.decode()
    change = client.get(
        reverse("admin:mandatory_assignments_assignment_change", args=[greta_assignment.pk]), HTTP_ACCEPT_LANGUAGE="de"
    ).content.decode()

    for label in ("Pflichtschulungen", "Person", "Ziel", "Fälligkeitsdatum", "Zugewiesen von", "Zugewiesen"):
        assert label in changelist, label
    assert "Ausgewählte Pflichtschulungen zurückziehen" in changelist
    for label in ("Frist", "Wiederholung (Wochen)", "Änderungsprotokoll", "Wer hat wann was getan", "Erinnerungen"):
        assert label in change, label
    # The admin's sidebar lists every app of the LMS (learning paths too, in their own words): left out.
    ours = [
        re.sub(r'<nav class="sticky" id="nav-sidebar".*?</nav>', "", page, flags=re.S) for page in (changelist, change)
    ]
    assert [english_in(page) for page in ours] == [[], []]


# Errors in the caller's language ------------------------------------------------------------------------


def test_an_assignment_error_comes_back_in_german(client, staff, greta, now):
    client.force_login(staff)
    response = client.post(
        "/api/mandatory_assignments/v1/assignments/",
        {"user": "greta", "target": COURSE, "due_date": "2026-12-02"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "due_date_too_soon"
    assert body["detail"].startswith("Das Fälligkeitsdatum muss am oder nach dem ")
    assert body["field_errors"]["due_date"] == [body["detail"]]


def test_a_field_error_comes_back_in_german(client, staff, greta, now):
    client.force_login(staff)
    response = client.post(
        "/api/mandatory_assignments/v1/assignments/",
        {"user": "greta", "target": COURSE, "due_date": "15.12.2026"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert response.status_code == 400
    assert response.json()["field_errors"]["due_date"] == ["Geben Sie das Fälligkeitsdatum im Format JJJJ-MM-TT ein."]


# The catalogs ----------------------------------------------------------------------------------------------


def _check_translations_module():
    spec = importlib.util.spec_from_file_location("check_translations", REPO / "scripts" / "check_translations.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_german_catalog_translates_every_message_and_is_compiled():
    assert _check_translations_module().problems(str(LOCALE_DIR)) == []


def test_the_check_finds_a_missing_a_fuzzy_and_a_broken_translation_and_a_stale_mo(tmp_path):
    check = _check_translations_module()
    shutil.copytree(LOCALE_DIR, tmp_path / "locale")
    po_path = tmp_path / "locale" / "de" / "LC_MESSAGES" / "django.po"
    text = po_path.read_text()
    text = text.replace('msgid "Bulk assignment"\nmsgstr "Massenzuweisung"', 'msgid "Bulk assignment"\nmsgstr ""', 1)
    text = text.replace('msgid "Export"\nmsgstr "Exportieren"', '#, fuzzy\nmsgid "Export"\nmsgstr "Exportieren"', 1)
    text = text.replace('msgstr "Erinnerung {n} entfernen"', 'msgstr "Erinnerung {nummer} entfernen"', 1)
    po_path.write_text(text)

    found = "\n".join(check.problems(str(tmp_path / "locale")))

    assert "not translated: 'Bulk assignment'" in found
    assert "fuzzy: 'Export'" in found
    assert "'Remove reminder {n}' translated with unknown placeholders ['{nummer}']" in found
    assert "django.mo: differs from django.po" in found


@pytest.mark.skipif(
    shutil.which("xgettext") is None and os.environ.get("CI") != "true",
    reason="extracting needs GNU gettext (make gettext); CI installs it",
)
def test_the_catalog_holds_every_message_of_the_source(tmp_path):
    """Extracting again finds no message the catalog lacks: nobody added a string without `make translations`."""
    package = tmp_path / "mandatory_assignments"
    shutil.copytree(
        REPO / "mandatory_assignments", package, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "static")
    )
    env = {**os.environ, "PYTHONPATH": str(REPO), "DJANGO_SETTINGS_MODULE": "sandbox.settings"}
    # -P: the working directory is the package, whose calendar.py must not shadow the standard library's.
    subprocess.run(
        [sys.executable, "-P", "-m", "django", "makemessages", "--locale=de", "--no-obsolete",
         "--ignore=migrations/*", "--ignore=settings/*", "--ignore=management/*"],
        cwd=package, env=env, check=True, capture_output=True,
    )  # fmt: skip

    def ids(path):
        with open(path, "rb") as po_file:
            return {message.id for message in read_po(po_file) if message.id}

    extracted = ids(package / "conf" / "locale" / "de" / "LC_MESSAGES" / "django.po")
    committed = ids(LOCALE_DIR / "de" / "LC_MESSAGES" / "django.po")
    assert sorted(map(str, extracted - committed)) == [], "new messages: run make translations and translate them"
    assert sorted(map(str, committed - extracted)) == [], "messages no longer in the source: run make translations"


# Where the LMS finds the catalogs -------------------------------------------------------------------------


def test_the_plugin_settings_add_its_catalogs_to_locale_paths(settings):
    assert common_settings.LOCALE_DIR in [str(path) for path in settings.LOCALE_PATHS]
    assert os.path.isfile(os.path.join(common_settings.LOCALE_DIR, "de", "LC_MESSAGES", "django.mo"))


class _Derived:
    """The LMS's ``openedx.core.lib.derived.Derived``: a setting computed once every settings file ran."""

    def __init__(self, calculate_value):
        self.calculate_value = calculate_value


@pytest.mark.parametrize(
    "given, expected",
    [
        ([], [common_settings.LOCALE_DIR]),
        (("/edx/conf/locale",), ["/edx/conf/locale", common_settings.LOCALE_DIR]),
        (["/edx/conf/locale", common_settings.LOCALE_DIR], ["/edx/conf/locale", common_settings.LOCALE_DIR]),
    ],
)
def test_locale_paths_get_the_plugins_directory_once(given, expected):
    lms = type("Settings", (), {"LOCALE_PATHS": given})()
    common_settings.add_locale_path(lms)
    common_settings.add_locale_path(lms)
    assert lms.LOCALE_PATHS == expected


def test_a_derived_locale_paths_setting_ends_with_the_plugins_directory():
    lms = type("Settings", (), {"LOCALE_PATHS": _Derived(lambda settings: ["/edx/conf/locale"])})()
    common_settings.add_locale_path(lms)
    assert isinstance(lms.LOCALE_PATHS, _Derived)
    assert lms.LOCALE_PATHS.calculate_value(lms) == ["/edx/conf/locale", common_settings.LOCALE_DIR]

    older = type("Settings", (), {})()
    older.LOCALE_PATHS = lambda settings: ["/edx/conf/locale"]  # before Derived: a function, derived by name
    common_settings.add_locale_path(older)
    assert older.LOCALE_PATHS(older) == ["/edx/conf/locale", common_settings.LOCALE_DIR]
