"""
A learner in a real browser (Debian's Chromium through Playwright, the staff pages' browser setup): the
banner above a unit, "My mandatory assignments", and the email switch toggled off and on again.
Screenshots go to ``var/screenshots/`` with the staff pages' ones.
"""

import datetime

import pytest
import time_machine
from playwright.sync_api import expect

from mandatory_assignments import api, preferences
from sandbox import controls
from tests.browser.conftest import screenshot, sign_in
from tests.conftest import COURSE, NOW, due_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def lena(now):
    """Lena in Berlin with an assignment of Workplace Safety (with a note) and an overdue one of Fire Safety."""
    with time_machine.travel(NOW - datetime.timedelta(days=20), tick=True):
        controls.create_course(COURSE, display_name="Workplace Safety")
        controls.create_course("course-v1:AcmeX+FIRE201+2026", display_name="Fire Safety")
        admin = controls.create_user("root_admin", is_staff=True)
        lena = controls.create_user("lena", email="lena@example.com", time_zone="Europe/Berlin")
        api.assign(
            user=lena,
            target="course-v1:AcmeX+FIRE201+2026",
            due_date=due_in(-10),
            assigned_by=admin,
            note="",
            reminders=[],
        )
    api.assign(
        user=lena,
        target=COURSE,
        due_date=due_in(14),
        assigned_by=admin,
        note="Please finish before the safety audit in January.",
        reminders=[],
        repeat_weeks=52,
    )
    return lena


def test_a_unit_shows_the_banner(browser_page, live_server, lena):
    page = browser_page
    sign_in(page, live_server, lena)

    page.goto(f"/courses/{COURSE}/unit/")

    banner = page.get_by_role("complementary", name="Mandatory assignment")
    expect(banner).to_contain_text("Mandatory — due")
    expect(banner).to_contain_text("Central European Time — Europe/Berlin")
    expect(banner).to_contain_text("Please finish before the safety audit in January.")
    banner.get_by_role("link", name="My mandatory assignments").wait_for()
    screenshot(page, "learner-unit-banner")


def test_the_learner_page_and_the_email_switch(browser_page, live_server, lena):
    page = browser_page
    sign_in(page, live_server, lena)

    page.goto("/mandatory_assignments/my/")

    expect(page.get_by_role("heading", level=1)).to_have_text("My mandatory assignments")
    cards = page.locator("article")
    expect(cards.nth(0)).to_contain_text("Fire Safety")
    expect(cards.nth(0)).to_contain_text("Overdue")
    expect(cards.nth(1)).to_contain_text("Workplace Safety")
    expect(cards.nth(1)).to_contain_text("Repeats every 52 weeks")
    screenshot(page, "learner-my-assignments")

    page.get_by_label("Off: send me no reminder or overdue emails").check()
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status")).to_contain_text("Your due dates stand")
    expect(page.get_by_label("Off: send me no reminder or overdue emails")).to_be_checked()
    assert preferences.email_reminders_enabled(lena) is False
    screenshot(page, "learner-email-switch-off")

    page.get_by_label("On: remind me before due dates and when an assignment is overdue").check()
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status")).to_contain_text("Reminder emails are on.")
    assert preferences.email_reminders_enabled(lena) is True
