"""
The overview table of a course (its staff) and of the organisation (global staff): the default filter
(open and overdue), the counts per status, search, sorting, pages, the Export link, and queries per page
that do not grow with the number of assignments.
"""

import datetime
import re
from html import unescape

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from mandatory_assignments import api
from sandbox import controls
from tests.conftest import COURSE, NOW, due_in

from .conftest import OTHER_COURSE, login, make_user

COURSE_PAGE = f"/mandatory_assignments/course/{COURSE}/"


def _text(response):
    return unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))


def _people_in_table(response):
    """The usernames in the table's rows, in order."""
    body = response.content.decode().split("<tbody>", 1)[-1].split("</tbody>", 1)[0]
    return re.findall(r"\(([\w.]+)\)</a>", body)


def _chart(response):
    """{status label: count} from the bar chart."""
    html = response.content.decode()
    section = html.split('id="ma-chart-title"', 1)[1].split("</section>", 1)[0]
    pairs = re.findall(
        r"</span> (Assigned|In progress|Completed|Overdue)</span>.*?ma-chart__count\">(\d+)", section, re.S
    )
    return {label: int(count) for label, count in pairs}


@pytest.fixture
def assignments(now, people):
    """Four learners in four states: assigned, in progress, completed, overdue (in that order of names)."""
    staff = people["course_staff"]
    learners = {name: make_user(name) for name in ("amy.assigned", "ian.progress", "cora.completed", "olaf.overdue")}
    api.assign(user=learners["amy.assigned"], target=COURSE, due_date=due_in(20), assigned_by=staff)
    api.assign(user=learners["ian.progress"], target=COURSE, due_date=due_in(10), assigned_by=staff)
    controls.complete_block(learners["ian.progress"], COURSE)
    api.assign(user=learners["cora.completed"], target=COURSE, due_date=due_in(5), assigned_by=staff)
    controls.set_grade(learners["cora.completed"], COURSE, percent=0.9, passed=True)
    api.assign(user=learners["olaf.overdue"], target=COURSE, due_date=due_in(3), assigned_by=staff)
    api.assign(
        user=learners["amy.assigned"], target=OTHER_COURSE, due_date=due_in(30), assigned_by=people["global_staff"]
    )
    now.move_to(NOW + datetime.timedelta(days=5))  # Olaf's deadline has passed
    return learners


def test_the_default_filter_shows_open_and_overdue_assignments_with_counts_of_every_status(people, assignments):
    response = login(Client(), people["course_staff"]).get(COURSE_PAGE)
    assert response.status_code == 200
    assert _people_in_table(response) == ["olaf.overdue", "ian.progress", "amy.assigned"]  # by due date
    assert _chart(response) == {"Assigned": 1, "In progress": 1, "Completed": 1, "Overdue": 1}
    text = _text(response)
    for word in ("New", "Bulk assignment", "Export", "Assigned", "In progress", "Overdue"):
        assert word in text
    assert "Other course" not in text  # only this course's assignments


def test_statuses_are_filtered_and_every_status_is_shown_in_words(people, assignments):
    client = login(Client(), people["course_staff"])
    completed = client.get(COURSE_PAGE, {"status": "completed"})
    assert _people_in_table(completed) == ["cora.completed"]
    assert "Completed" in _text(completed).split("Assignments", 2)[-1]
    both = client.get(COURSE_PAGE + "?status=overdue&status=completed")
    assert sorted(_people_in_table(both)) == ["cora.completed", "olaf.overdue"]
    assert len(_people_in_table(client.get(COURSE_PAGE, {"status": "all"}))) == 4


def test_an_unknown_status_is_reported_and_the_default_applies(people, assignments):
    response = login(Client(), people["course_staff"]).get(COURSE_PAGE, {"status": "bogus"})
    assert response.status_code == 200
    assert "Unknown status bogus" in _text(response)
    assert len(_people_in_table(response)) == 3


def test_search_finds_people_by_name_username_or_email(people, assignments):
    client = login(Client(), people["course_staff"])
    assert _people_in_table(client.get(COURSE_PAGE, {"q": "Progress"})) == ["ian.progress"]
    assert _people_in_table(client.get(COURSE_PAGE, {"q": "olaf.overdue@example"})) == ["olaf.overdue"]
    nobody = client.get(COURSE_PAGE, {"q": "zzz"})
    assert "No assignments match these filters." in _text(nobody)


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("due_date", ["olaf.overdue", "ian.progress", "amy.assigned"]),
        ("-due_date", ["amy.assigned", "ian.progress", "olaf.overdue"]),
        ("person", ["amy.assigned", "ian.progress", "olaf.overdue"]),
        ("status", ["amy.assigned", "ian.progress", "olaf.overdue"]),
        ("-status", ["olaf.overdue", "ian.progress", "amy.assigned"]),
    ],
)
def test_sorting(people, assignments, sort, expected):
    response = login(Client(), people["course_staff"]).get(COURSE_PAGE, {"sort": sort})
    assert _people_in_table(response) == expected


def test_sortable_headers_say_how_the_table_is_sorted(people, assignments):
    html = login(Client(), people["course_staff"]).get(COURSE_PAGE, {"sort": "-due_date"}).content.decode()
    assert re.search(r'<th scope="col" aria-sort="descending"><a class="ma-sort" href="\?sort=due_date"', html)


def test_the_export_link_carries_the_filters(people, assignments):
    html = login(Client(), people["course_staff"]).get(COURSE_PAGE, {"status": "completed", "q": "cora"}).content
    link = re.search(r'href="(/api/mandatory_assignments/v1/assignments/export\.csv\?[^"]+)"', html.decode()).group(1)
    assert unescape(link) == (
        "/api/mandatory_assignments/v1/assignments/export.csv"
        "?status=completed&target=course-v1%3AAcmeX%2BSAFE101%2B2026&q=cora&sort=due_date"
    )


def test_the_organisation_page_shows_every_target_with_its_name(people, assignments):
    response = login(Client(), people["global_staff"]).get("/mandatory_assignments/", {"q": "amy"})
    text = _text(response)
    assert _people_in_table(response) == ["amy.assigned", "amy.assigned"]
    assert "Workplace Safety" in text and "Other course" in text


def test_the_organisation_page_filters_by_target(people, assignments):
    client = login(Client(), people["global_staff"])
    page = client.get("/mandatory_assignments/", {"target": OTHER_COURSE})
    assert _people_in_table(page) == ["amy.assigned"]
    assert f'<option value="{OTHER_COURSE}" selected>Other course</option>' in page.content.decode()
    assert "target=course-v1%3AAcmeX%2BOTHER%2B2026" in page.content.decode()  # and the export link


def test_pages_of_the_table(people, now, settings):
    staff = people["course_staff"]
    learners = [make_user(f"learner{number:02d}") for number in range(27)]
    api.bulk_assign(users=learners, target=COURSE, due_date=due_in(20), assigned_by=staff)
    client = login(Client(), staff)
    first = client.get(COURSE_PAGE, {"sort": "person"})
    assert len(_people_in_table(first)) == 25
    assert "Page 1 of 2" in _text(first)
    second_link = unescape(re.search(r'href="(\?[^"]*page=2[^"]*)" rel="next"', first.content.decode()).group(1))
    second = client.get(COURSE_PAGE + second_link)
    assert _people_in_table(second) == ["learner25", "learner26"]
    assert "Page 2 of 2" in _text(second)


def _queries_for_a_page(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_queries_per_page_do_not_grow_with_the_number_of_assignments(people, now):
    """The course page and the organisation page, at 10 and at 1,000 assignments: the same queries."""
    staff = people["course_staff"]
    client = login(Client(), staff)
    admin = login(Client(), people["global_staff"])
    client.get(COURSE_PAGE)  # warm the per-process caches (site, roles) first
    admin.get("/mandatory_assignments/")
    counts = {}
    for total, prefix in ((10, "few"), (1000, "many")):
        have = api.get_assignments().count()
        learners = [make_user(f"{prefix}{number:04d}") for number in range(total - have)]
        api.bulk_assign(users=learners, target=COURSE, due_date=due_in(20), assigned_by=staff)
        assert api.get_assignments().count() == total
        with time_machine.travel(NOW, tick=False):
            counts[total] = (
                _queries_for_a_page(client, COURSE_PAGE),
                _queries_for_a_page(client, COURSE_PAGE + "?sort=person&page=3"),
                _queries_for_a_page(admin, "/mandatory_assignments/?status=all&sort=-due_date"),
            )
    assert counts[10] == counts[1000], counts
