"""
``mandatory_assignments.listing``: the filters, search, sorting, counts and CSV export shared by the REST
API and the staff pages.
"""

import csv
import datetime
import io

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.http import QueryDict

from mandatory_assignments import api, listing
from sandbox import controls

from .conftest import COURSE, due_in

pytestmark = pytest.mark.django_db

OTHER_COURSE = "course-v1:AcmeX+FIRE201+2026"
PATH = "path-v1:AcmeX+ONBOARD+2026+all"


@pytest.fixture
def world(now, course, admin):
    """Three people, two courses and a path containing the first course; four assignments."""
    controls.create_course(OTHER_COURSE, display_name="Fire Drill")
    controls.create_learning_path(PATH, display_name="Onboarding Journey", course_keys=[COURSE, OTHER_COURSE])
    anna = controls.create_user("anna.berg", email="Anna.Berg@example.com", time_zone="Europe/Berlin")
    bob = controls.create_user("bob.zimmer", email="bob@example.com")
    carl = controls.create_user("carl.adler", email="carl@example.com")
    rows = {
        "anna_safe": api.assign(user=anna, target=COURSE, due_date=due_in(10), assigned_by=admin),
        "bob_safe": api.assign(user=bob, target=COURSE, due_date=due_in(20), assigned_by=admin, note="=1+1"),
        "carl_fire": api.assign(user=carl, target=OTHER_COURSE, due_date=due_in(5), assigned_by=admin),
        "anna_path": api.assign(user=anna, target=PATH, due_date=due_in(30), assigned_by=admin),
    }
    return {"anna": anna, "bob": bob, "carl": carl, **rows}


def ids(qs):
    return [row.pk for row in qs]


def listed(**filters):
    return set(ids(listing.filter_assignments(api.get_assignments(), **filters)))


# Status filter ------------------------------------------------------------------------------------


def test_default_lists_open_and_overdue_but_not_completed(world):
    controls.set_grade(world["bob"], COURSE, percent=0.9, passed=True)

    assert listed() == {world[key].pk for key in ("anna_safe", "carl_fire", "anna_path")}
    assert listed(status="completed") == {world["bob_safe"].pk}
    assert listed(status="all") == {world[key].pk for key in ("anna_safe", "bob_safe", "carl_fire", "anna_path")}


def test_status_filter_takes_several_and_computes_overdue_for_now(world):
    controls.complete_block(world["carl"], OTHER_COURSE)

    assert listed(status="in_progress") == {world["carl_fire"].pk}
    assert listed(status="in_progress,assigned") == {
        world[k].pk for k in ("anna_safe", "bob_safe", "carl_fire", "anna_path")
    }
    with time_machine.travel(datetime.datetime(2026, 12, 7, 12, 0, tzinfo=datetime.UTC)):
        assert listed(status=["overdue"]) == {world["carl_fire"].pk}


@pytest.mark.parametrize("status", ["done", "assigned,nope", ","])
def test_unknown_statuses_are_refused_naming_the_field(status):
    with pytest.raises(ValidationError) as info:
        listing.filter_assignments(api.get_assignments(), status=status)

    assert set(info.value.message_dict) == {"status"}


# Other filters and search -------------------------------------------------------------------------


def test_target_filter_is_exact_and_course_filter_includes_paths_with_the_course(world):
    assert listed(target=COURSE, status="all") == {world["anna_safe"].pk, world["bob_safe"].pk}
    assert listed(target=PATH) == {world["anna_path"].pk}
    assert listed(course_id=OTHER_COURSE) == {world["carl_fire"].pk, world["anna_path"].pk}
    assert listed(target="course-v1:Nobody+X+1") == set()


@pytest.mark.parametrize("field, value", [("target", "not a key"), ("course_id", "not a key"), ("course_id", PATH)])
def test_malformed_keys_are_refused(field, value):
    with pytest.raises(ValidationError) as info:
        listing.filter_assignments(api.get_assignments(), **{field: value})

    assert set(info.value.message_dict) == {field}


def test_user_filter_takes_username_email_in_any_case_or_id(world):
    anna = {world["anna_safe"].pk, world["anna_path"].pk}

    assert listed(user="anna.berg") == anna
    assert listed(user="anna.berg@EXAMPLE.com") == anna
    assert listed(user=str(world["anna"].pk)) == anna
    assert listed(user="anna") == set()


@pytest.mark.parametrize(
    "q, expected",
    [
        ("ZIMMER", {"bob_safe"}),  # username
        ("Carl Adler", {"carl_fire"}),  # full name from the profile
        ("bob@exa", {"bob_safe"}),  # email
        ("fire drill", {"carl_fire"}),  # course display name
        ("onboarding", {"anna_path"}),  # learning path display name
        ("SAFE101", {"anna_safe", "bob_safe"}),  # target key
        ("nobody", set()),
    ],
)
def test_search_looks_in_person_and_target(world, q, expected):
    assert listed(q=q) == {world[key].pk for key in expected}


def test_params_from_query_reads_every_parameter():
    params = listing.params_from_query(
        QueryDict("status=all&target=&course_id=course-v1:A+B+C&user=x&q=%20safety%20&sort=-person")
    )

    assert params.filters == {
        "status": "all",
        "target": None,
        "course_id": "course-v1:A+B+C",
        "user": "x",
        "q": "safety",
    }
    assert (params.sort, params.descending) == ("person", True)
    assert listing.params_from_query(QueryDict("sort=status&order=desc")).descending is True
    assert listing.params_from_query(QueryDict("")).sort == "due_date"


@pytest.mark.parametrize("query, field", [("sort=name", "sort"), ("order=up", "order"), ("status=late", "status")])
def test_params_from_query_refuses_what_it_cannot_read(query, field):
    with pytest.raises(ValidationError) as info:
        listing.params_from_query(QueryDict(query))

    assert set(info.value.message_dict) == {field}


# Sorting, names, counts ---------------------------------------------------------------------------


def test_sort_by_due_date_status_and_person_both_ways(world):
    controls.complete_block(world["bob"], COURSE)
    rows = listing.filter_assignments(api.get_assignments(), status="all")

    def order(sort, descending=False):
        return ids(listing.sort_assignments(rows, sort, descending=descending))

    by_date = [world[k].pk for k in ("carl_fire", "anna_safe", "bob_safe", "anna_path")]
    assert order("due_date") == by_date
    assert order("due_date", descending=True) == by_date[::-1]
    # assigned (by due date), then in progress
    assert order("status") == [world[k].pk for k in ("carl_fire", "anna_safe", "anna_path", "bob_safe")]
    # Anna Berg, Bob Zimmer, Carl Adler: by full name
    assert order("person") == [world[k].pk for k in ("anna_safe", "anna_path", "bob_safe", "carl_fire")]
    assert order("person", descending=True)[0] == world["carl_fire"].pk


def test_with_names_annotates_person_and_target_names(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = {row.pk: row for row in listing.with_names(api.get_assignments()).prefetch_related(None)}

    assert rows[world["anna_path"].pk].person_name == "Anna Berg"
    assert rows[world["anna_path"].pk].target_name == "Onboarding Journey"
    assert rows[world["carl_fire"].pk].target_name == "Fire Drill"


def test_status_counts_in_three_range_counts(world, django_assert_num_queries):
    """Completed, overdue, and before the deadline (of which those in progress): each a range of an index."""
    controls.set_grade(world["bob"], COURSE, percent=0.9, passed=True)
    controls.complete_block(world["anna"], COURSE)
    everything = listing.filter_assignments(api.get_assignments(), status="all")

    with django_assert_num_queries(3):
        counts = listing.status_counts(everything)

    # Anna's path includes the course she worked in: both of her assignments are in progress.
    assert counts == {"total": 4, "assigned": 1, "in_progress": 2, "completed": 1, "overdue": 0}
    with time_machine.travel(datetime.datetime(2026, 12, 20, 12, 0, tzinfo=datetime.UTC)):  # past the due dates
        late = listing.status_counts(everything)
        assert late == {"total": 4, "assigned": 0, "in_progress": 1, "completed": 1, "overdue": 2}
        for status in ("overdue", "in_progress", "assigned"):
            assert late[status] == listing.filter_assignments(api.get_assignments(), status=status).count()
    assert listing.status_counts(listing.filter_assignments(api.get_assignments(), status="all", target=COURSE)) == {
        "total": 2,
        "assigned": 0,
        "in_progress": 1,
        "completed": 1,
        "overdue": 0,
    }


# Export -------------------------------------------------------------------------------------------


def read_csv(qs, **kwargs):
    text = "".join(listing.export_csv(qs, **kwargs))
    return list(csv.DictReader(io.StringIO(text)))


def test_export_has_one_row_per_assignment_with_its_fields(world):
    rows = read_csv(listing.sort_assignments(listing.filter_assignments(api.get_assignments()), "due_date"))

    assert [row["ID"] for row in rows] == [
        str(world[k].pk) for k in ("carl_fire", "anna_safe", "bob_safe", "anna_path")
    ]
    carl = rows[0]
    assert carl["Username"] == "carl.adler"
    assert carl["Name"] == "Carl Adler"
    assert carl["Email"] == "carl@example.com"
    assert (carl["Target"], carl["Target type"], carl["Target name"]) == (OTHER_COURSE, "course", "Fire Drill")
    assert carl["Due date"] == due_in(5).isoformat()
    assert carl["Status"] == "assigned"
    assert carl["Assigned by"] == "root_admin"
    assert carl["Reminders"] == "3 day(s) before, to student"
    assert rows[3]["Target type"] == "path"


def test_export_neutralises_spreadsheet_formulas(world):
    rows = read_csv(listing.filter_assignments(api.get_assignments(), user="bob.zimmer"))

    assert rows[0]["Note"] == "'=1+1"


def test_export_carries_the_history_of_cycles_and_reminders(world, admin, django_capture_on_commit_callbacks):
    learner = world["anna"]
    recurring = api.assign(user=learner, target=OTHER_COURSE, due_date=due_in(10), assigned_by=admin, repeat_weeks=52)
    # The reminder 3 days before (00:00 Berlin on 2026-12-08) goes out, then Anna passes.
    with time_machine.travel(datetime.datetime(2026, 12, 8, 1, 0, tzinfo=datetime.UTC), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            api.run_scheduler()
        controls.set_grade(learner, OTHER_COURSE, percent=0.9, passed=True)

    rows = read_csv(
        listing.filter_assignments(api.get_assignments(), status="all", target=OTHER_COURSE, user="anna.berg")
    )

    assert [row["ID"] for row in rows] == [str(recurring.pk)]
    assert rows[0]["Completed cycles"] == f"cycle 1: due {due_in(10).isoformat()}, completed 2026-12-08T01:00:00Z"
    sent = rows[0]["Reminders sent"].splitlines()
    assert len(sent) == 1
    assert sent[0].startswith("2026-12-08T01:00")
    assert sent[0].endswith(f"reminder (3 day(s) before, due {due_in(10).isoformat()}) to student: sent")


def test_export_queries_stay_flat_as_rows_grow(world, admin, django_assert_max_num_queries):
    people = [controls.create_user(f"p{n}", email=f"p{n}@example.com") for n in range(12)]
    api.bulk_assign(users=people, target=OTHER_COURSE, due_date=due_in(10), assigned_by=admin)
    qs = listing.filter_assignments(api.get_assignments(), status="all")

    # The ids in one query, then the chunk's rows and one query per prefetched relation, per chunk of 5
    # (16 rows: 4 chunks).
    with django_assert_max_num_queries(1 + 4 * 5):
        rows = list(listing.export_rows(qs, chunk_size=5))

    assert len(rows) == 1 + 16


def test_export_is_a_generator_reading_chunks_lazily(world, django_assert_num_queries):
    rows = listing.export_rows(listing.filter_assignments(api.get_assignments(), status="all"), chunk_size=2)

    with django_assert_num_queries(0):
        header = next(rows)
    assert header[0] == "ID"


def test_person_matching(world):
    assert listing.person_matching("bob.zimmer") == world["bob"]
    assert listing.person_matching("ANNA.BERG@example.com") == world["anna"]
    assert listing.person_matching(str(world["carl"].pk)) == world["carl"]
    assert listing.person_matching("nobody") is None
    assert listing.person_matching("") is None


# Pages and the cost of a page ----------------------------------------------------------------------


@pytest.fixture
def many(world, admin):
    """Eleven more people on the course with due dates that repeat (so that ties are broken by the id)."""
    rows = [world[key] for key in ("anna_safe", "bob_safe", "carl_fire", "anna_path")]
    for index in range(11):
        person = controls.create_user(f"p{index:02d}", email=f"p{index:02d}@example.com")
        rows.append(api.assign(user=person, target=COURSE, due_date=due_in(7 + index % 3), assigned_by=admin))
    controls.complete_block(world["bob"], COURSE)
    controls.set_grade(rows[5].user, COURSE, percent=0.9, passed=True)
    return rows


@pytest.mark.parametrize("sort", ["due_date", "-due_date", "status", "-status", "person", "-person"])
@pytest.mark.parametrize("per_page", [1, 4, 6])
def test_every_page_read_from_either_end_is_the_page_in_the_lists_order(many, sort, per_page):
    from django.core.paginator import Paginator

    params = listing.params_from_query({"sort": sort, "status": "all"})
    rows = listing.sort_assignments(
        listing.with_names(listing.filter_assignments(api.get_assignments(), **params.filters)),
        params.sort,
        descending=params.descending,
    )
    expected = Paginator(rows, per_page)
    paginator = listing.ListPaginator(rows, per_page)

    assert paginator.count == expected.count == 15
    assert paginator.num_pages == expected.num_pages
    for number in expected.page_range:
        page = paginator.page(number)
        assert ids(page) == ids(expected.page(number)), f"page {number}"
        assert all(row.person_name is None or isinstance(row.person_name, str) for row in page)


def test_a_page_costs_the_same_queries_at_either_end_and_takes_a_given_count(many, django_assert_num_queries):
    rows = listing.sort_assignments(listing.with_names(listing.filter_assignments(api.get_assignments())))
    total = rows.count()
    paginator = listing.ListPaginator(rows, 4, count=total)

    for number in (1, paginator.num_pages):
        # The page's ids, its rows (users joined), their reminders: no count, the caller gave it.
        with django_assert_num_queries(3):
            assert len(list(paginator.page(number))) > 0
    assert ids(paginator.page(paginator.num_pages)) == ids(rows)[4 * (paginator.num_pages - 1) :]


def test_the_count_of_a_filtered_list_is_the_sum_of_its_statuses(many):
    base = api.get_assignments()
    counts = listing.status_counts(listing.filter_assignments(base, status="all"))

    for status in (None, "all", "completed", "assigned,overdue", "in_progress,assigned", "overdue"):
        assert (
            listing.count_from_status_counts(counts, status) == listing.filter_assignments(base, status=status).count()
        ), status


def test_merged_status_conditions_select_what_each_status_alone_selects(many):
    import itertools

    from mandatory_assignments.rules import STATUSES

    base = api.get_assignments()
    alone = {status: set(ids(base.filter(api.status_q([status])))) for status in STATUSES}
    with time_machine.travel(datetime.datetime(2026, 12, 9, 12, 0, tzinfo=datetime.UTC)):  # some overdue
        late = {status: set(ids(base.filter(api.status_q([status])))) for status in STATUSES}
        for size in range(1, 5):
            for chosen in itertools.combinations(STATUSES, size):
                assert set(ids(base.filter(api.status_q(chosen)))) == set().union(*(late[s] for s in chosen))
    for size in range(1, 5):
        for chosen in itertools.combinations(STATUSES, size):
            assert set(ids(base.filter(api.status_q(chosen)))) == set().union(*(alone[s] for s in chosen))
    assert late["overdue"] and alone["in_progress"] and alone["completed"]


def test_global_staff_see_everything_without_a_condition_on_the_rows(world, admin):
    """An always-true condition OR-ed with their own rows made every list a full scan of the table."""
    sql = str(api.get_assignments(by=admin).query)

    assert "WHERE" not in sql
    assert len(ids(api.get_assignments(by=admin))) == 4
