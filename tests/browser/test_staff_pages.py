"""
Course staff use the staff pages in a real browser (Chromium, JavaScript on), as the product description's
instructions say: New with the people autocomplete and a reminder added, the error at the due date, the
bulk wizard by cohort and by a pasted list, Edit, Withdraw; and the New form by keyboard alone.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from mandatory_assignments import api
from mandatory_assignments.models import Assignment, BulkJob
from sandbox import controls
from tests.conftest import COURSE, due_in

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

COURSE_PAGE = f"/mandatory_assignments/course/{COURSE}/"
SITE = "acme.example.com"


@pytest.fixture
def team(now):
    """The course, its staff member Stella and a few learners; a cohort "Night shift" of three."""
    controls.create_course(COURSE, display_name="Workplace Safety")
    stella = controls.create_user("stella", email="stella@example.com", site=SITE)
    controls.make_course_staff(stella, COURSE)
    people = {
        name: controls.create_user(name, email=f"{name}@example.com", site=SITE, department="Logistics")
        for name in ("lena.berg", "anna.kowalski", "bob.miller", "carl.jensen")
    }
    controls.create_cohort(
        COURSE, "Night shift", users=[people["anna.kowalski"], people["bob.miller"], people["carl.jensen"]]
    )
    return {"stella": stella, **people}


def _date_field_error(page):
    return page.locator("#id_due_date-error")


def test_course_staff_create_an_assignment_with_the_autocomplete_and_a_reminder(browser_page, live_server, team):
    page = browser_page
    sign_in(page, live_server, team["stella"])
    page.goto(COURSE_PAGE)
    screenshot(page, "01-course-overview-empty")
    page.get_by_role("link", name="New", exact=True).click()
    expect(page.get_by_role("heading", name="New mandatory assignment")).to_be_visible()

    person = page.get_by_role("combobox", name="Person")
    person.press_sequentially("lena", delay=30)
    option = page.get_by_role("option", name=re.compile("Lena Berg"))
    expect(option).to_be_visible()
    person.press("ArrowDown")
    person.press("Enter")
    expect(person).to_have_value("lena.berg")

    page.get_by_label("Due date", exact=True).fill(due_in(1).isoformat())  # too early: at least 3 days ahead
    page.get_by_role("button", name="Add reminder").click()
    rows = page.locator("[data-ma-row]:visible")
    expect(rows).to_have_count(2)
    second = rows.nth(1)
    second.get_by_label("Days relative to due date").fill("-1")
    second.get_by_label("Recipient").select_option("assigned_by")
    page.get_by_label("Note").fill("Before the next team meeting, please.")
    screenshot(page, "02-new-form-filled")
    page.get_by_role("button", name="Save").click()

    error = _date_field_error(page)
    expect(error).to_be_visible()
    expect(error).to_contain_text("The due date must be on or after")
    due_date = page.get_by_label("Due date", exact=True)
    expect(due_date).to_have_attribute("aria-invalid", "true")
    expect(due_date).to_have_attribute("aria-describedby", re.compile(r"\bid_due_date-error\b"))
    expect(page.locator("[data-ma-row]:visible")).to_have_count(2)  # the reminder rows came back as typed
    screenshot(page, "03-new-form-due-date-error")
    assert not Assignment.objects.exists()

    page.get_by_label("Due date", exact=True).fill(due_in(14).isoformat())
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Assigned to Lena Berg (lena.berg)")
    expect(page.get_by_text("1 day after the due date")).to_be_visible()
    screenshot(page, "04-assignment-page")
    assignment = Assignment.objects.get()
    assert assignment.user == team["lena.berg"]
    assert assignment.note == "Before the next team meeting, please."
    assert sorted((spec["days"], spec["recipient"]) for spec in assignment.reminders) == [
        (-1, "assigned_by"),
        (3, "student"),
    ]


def _walk_to_people(page):
    page.goto(COURSE_PAGE)
    page.get_by_role("link", name="Bulk assignment").click()
    expect(page.get_by_role("heading", name="Basic info")).to_be_visible()
    expect(page.locator("[aria-current=step]")).to_contain_text("Basic info")
    page.get_by_label("Due date", exact=True).fill(due_in(21).isoformat())
    page.get_by_label("Note").fill("Quarterly safety refresher")
    screenshot(page, "10-bulk-basic-info")
    page.get_by_role("button", name=re.compile("^Next")).click()
    expect(page.locator("[aria-current=step]")).to_contain_text("People")


def _reminders_then_preview(page):
    page.get_by_role("button", name=re.compile("^Next")).click()
    expect(page.locator("[aria-current=step]")).to_contain_text("Reminders")
    screenshot(page, "13-bulk-reminders")
    page.get_by_role("button", name=re.compile("^Next")).click()
    expect(page.locator("[aria-current=step]")).to_contain_text("Preview")


def test_bulk_assignment_by_cohort_skips_the_person_already_assigned(browser_page, live_server, team):
    api.assign(user=team["bob.miller"], target=COURSE, due_date=due_in(30), assigned_by=team["stella"])
    page = browser_page
    sign_in(page, live_server, team["stella"])
    _walk_to_people(page)
    page.get_by_role("tab", name="By learning group").click()
    expect(page.get_by_role("tab", name="By learning group")).to_have_attribute("aria-selected", "true")
    page.get_by_label(re.compile("Night shift")).check()
    screenshot(page, "11-bulk-people-by-learning-group")
    _reminders_then_preview(page)
    expect(page.locator("[data-ma-count]")).to_have_text("2 people will receive the assignment.")
    expect(page.get_by_text("Bob Miller (bob.miller) – already assigned")).to_be_visible()
    screenshot(page, "14-bulk-preview-cohort")
    page.get_by_role("button", name="Confirm").click()
    banner = page.locator("[data-ma-result]")
    expect(banner).to_contain_text("2 created")
    expect(banner).to_contain_text("1 skipped")
    expect(banner).to_contain_text("0 failed")
    screenshot(page, "15-bulk-result-cohort")
    assert set(Assignment.objects.values_list("user__username", flat=True)) == {
        "bob.miller",
        "anna.kowalski",
        "carl.jensen",
    }


def test_bulk_assignment_by_pasted_list_reports_the_garbage_line(browser_page, live_server, team):
    page = browser_page
    sign_in(page, live_server, team["stella"])
    _walk_to_people(page)
    person = page.get_by_role("combobox", name="Person")  # Individually: the autocomplete, then Add person
    person.press_sequentially("carl", delay=30)
    page.get_by_role("option", name=re.compile("Carl Jensen")).click()
    page.get_by_role("button", name="Add person").click()
    expect(page.get_by_role("button", name="Remove Carl Jensen (carl.jensen)")).to_be_visible()
    page.get_by_role("tab", name="Pasted list").click()
    page.get_by_label("Usernames or email addresses").fill("lena.berg\nANNA.KOWALSKI@example.com\n#?! not a person\n")
    screenshot(page, "12-bulk-people-pasted-list")
    _reminders_then_preview(page)
    expect(page.locator("[data-ma-count]")).to_have_text("3 people will receive the assignment.")
    not_assignable = page.locator("section", has=page.get_by_role("heading", name=re.compile("Not assignable")))
    expect(not_assignable).to_contain_text("Not assignable (1)")
    expect(not_assignable).to_contain_text("#?! not a person")
    page.get_by_role("button", name="Confirm").click()
    banner = page.locator("[data-ma-result]")
    expect(banner).to_contain_text("3 created")
    expect(banner).to_contain_text("0 skipped")
    expect(banner).to_contain_text("1 failed")  # the garbage line, once
    assert set(Assignment.objects.values_list("user__username", flat=True)) == {
        "lena.berg",
        "anna.kowalski",
        "carl.jensen",
    }


def test_course_staff_edit_the_due_date_then_withdraw(browser_page, live_server, team):
    assignment = api.assign(user=team["lena.berg"], target=COURSE, due_date=due_in(14), assigned_by=team["stella"])
    page = browser_page
    sign_in(page, live_server, team["stella"])
    page.goto(COURSE_PAGE)
    screenshot(page, "20-course-overview")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("^Export")).click()
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    assert "Username" in exported.splitlines()[0] and "lena.berg" in exported
    page.get_by_role("link", name=re.compile("Lena Berg")).click()
    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("Due date", exact=True).fill(due_in(28).isoformat())
    screenshot(page, "21-edit")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("The assignment was saved.")
    assignment.refresh_from_db()
    assert assignment.due_date == due_in(28)

    page.get_by_role("link", name="Withdraw", exact=True).click()
    expect(page.get_by_role("heading", name="Withdraw")).to_be_visible()
    screenshot(page, "22-withdraw-confirmation")
    page.get_by_role("button", name="Withdraw").click()
    expect(page.get_by_role("status")).to_contain_text("was withdrawn")
    expect(page).to_have_url(re.compile(re.escape(COURSE_PAGE) + "$"))
    assert not Assignment.objects.exists()


def test_the_new_form_by_keyboard_alone(browser_page, live_server, team):
    page = browser_page
    sign_in(page, live_server, team["stella"])
    page.goto(COURSE_PAGE)
    keyboard = page.keyboard

    def tab_to(predicate, limit=40, backwards=False):
        for _ in range(limit):
            keyboard.press("Shift+Tab" if backwards else "Tab")
            if page.evaluate(predicate):
                return
        raise AssertionError(f"Tab never reached {predicate}")

    tab_to("document.activeElement.textContent.trim() === 'New'")
    keyboard.press("Enter")
    expect(page.get_by_role("heading", name="New mandatory assignment")).to_be_visible()
    tab_to("document.activeElement.name === 'person'")
    keyboard.type("anna", delay=30)
    expect(page.get_by_role("option", name=re.compile("Anna Kowalski"))).to_be_visible()
    keyboard.press("ArrowDown")
    keyboard.press("Enter")
    expect(page.get_by_role("combobox", name="Person")).to_have_value("anna.kowalski")
    tab_to("document.activeElement.name === 'due_date'")
    keyboard.type(due_in(10).strftime("%m%d%Y"))
    expect(page.get_by_label("Due date", exact=True)).to_have_value(due_in(10).isoformat())
    tab_to("document.activeElement.textContent.trim() === 'Add reminder'")
    keyboard.press("Enter")
    focused = page.evaluate("document.activeElement.name")
    assert focused.endswith("-days"), focused  # focus moves into the new reminder row
    keyboard.type("1")
    # Remove the default reminder by keyboard: focus goes back to "Add reminder", one row stays.
    tab_to("document.activeElement.getAttribute('aria-label') === 'Remove reminder 1'", backwards=True)
    keyboard.press("Enter")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Add reminder"
    expect(page.locator("[data-ma-row]:visible")).to_have_count(1)
    expect(page.locator("[data-ma-reminders-status]")).to_have_text("Reminder removed.")
    tab_to("document.activeElement.textContent.trim() === 'Save'")
    screenshot(page, "05-new-form-keyboard")
    keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Assigned to Anna Kowalski (anna.kowalski)")
    assignment = Assignment.objects.get()
    assert [spec["days"] for spec in assignment.reminders] == [1]


def test_learners_and_the_staff_of_another_company_cannot_open_the_staff_pages(
    browser_page, live_server, team, settings
):
    settings.MANDATORY_ASSIGNMENTS_SCOPE = "site"
    assignment = api.assign(user=team["lena.berg"], target=COURSE, due_date=due_in(14), assigned_by=team["stella"])
    other = controls.create_user("gina", site="globex.example.com")
    controls.make_course_staff(other, COURSE)
    page = browser_page
    sign_in(page, live_server, team["lena.berg"])
    assert page.goto(COURSE_PAGE).status == 404
    assert page.goto(f"/mandatory_assignments/assignments/{assignment.pk}/").status == 404
    page.context.clear_cookies()
    sign_in(page, live_server, other)
    assert page.goto(f"/mandatory_assignments/assignments/{assignment.pk}/").status == 404
    page.goto(COURSE_PAGE)
    expect(page.get_by_text("Lena Berg")).to_have_count(0)


def test_the_instructor_dashboard_links_to_the_course_page(browser_page, live_server, team, settings):
    settings.LMS_ROOT_URL = live_server.url  # the section links to the absolute LMS URL of the course page
    page = browser_page
    sign_in(page, live_server, team["stella"])
    page.goto(f"/courses/{COURSE}/instructor")
    section = page.locator("section#mandatory_assignments")
    expect(section).to_be_visible()
    screenshot(page, "30-legacy-instructor-dashboard")
    section.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Mandatory assignments", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(re.escape(COURSE_PAGE) + "$"))


def test_global_staff_see_the_organisation_on_a_desk_and_on_a_phone(browser_page, live_server, team):
    path = "path-v1:AcmeX+ONBOARD+2026+all"
    controls.create_learning_path(path, display_name="Onboarding", course_keys=[COURSE])
    gloria = controls.create_user("gloria", site=SITE, is_staff=True)
    api.assign(user=team["lena.berg"], target=COURSE, due_date=due_in(14), assigned_by=gloria)
    api.assign(user=team["anna.kowalski"], target=path, due_date=due_in(21), assigned_by=gloria)
    controls.complete_block(team["lena.berg"], COURSE)
    page = browser_page
    sign_in(page, live_server, gloria)
    page.goto("/mandatory_assignments/")
    expect(page.get_by_role("cell", name=re.compile("Onboarding"))).to_be_visible()
    screenshot(page, "40-organisation-overview")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "41-organisation-overview-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="New", exact=True).click()
    target = page.get_by_label("Target")
    target.select_option(path)
    screenshot(page, "42-organisation-new")
    page.get_by_role("combobox", name="Person").press_sequentially("carl", delay=30)
    page.get_by_role("option", name=re.compile("Carl Jensen")).click()
    page.get_by_label("Due date", exact=True).fill(due_in(30).isoformat())
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Assigned to Carl Jensen (carl.jensen)")
    assert Assignment.objects.get(user=team["carl.jensen"]).target_key == path


@pytest.fixture
def background_worker_down(settings):
    """Celery hands tasks to an in-memory broker that nobody reads: a background job waits until run by hand."""
    from sandbox.celery import app  # noqa: PLC0415

    settings.MANDATORY_ASSIGNMENTS_BULK_SYNC_LIMIT = 2
    eager, broker = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager, app.conf.broker_url = False, "memory://"
    yield
    app.conf.task_always_eager, app.conf.broker_url = eager, broker


def test_a_large_batch_shows_its_progress_until_it_is_done(browser_page, live_server, team, background_worker_down):
    page = browser_page
    sign_in(page, live_server, team["stella"])
    _walk_to_people(page)
    page.get_by_role("tab", name="By learning group").click()
    page.get_by_label(re.compile("Night shift")).check()
    _reminders_then_preview(page)
    expect(page.get_by_text("This batch is large")).to_be_visible()
    page.get_by_role("button", name="Confirm").click()
    progress = page.locator("progress[data-ma-progress]")
    expect(progress).to_be_visible()
    expect(page.locator("[data-ma-progress-text]")).to_have_text("0 of 3 done")
    screenshot(page, "16-bulk-background-progress")
    job = BulkJob.objects.get()
    assert job.state == "PENDING"
    api.run_bulk_job(job.task_id)  # the worker comes back: the page notices by itself
    banner = page.locator("[data-ma-result]")
    expect(banner).to_contain_text("3 created, 0 skipped, 0 failed.", timeout=15000)
    assert Assignment.objects.count() == 3
