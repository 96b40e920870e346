"""
Who may do what, endpoint by endpoint (SPEC §3, issue 7 part 2), with company scoping on.

Eight callers: nobody logged in, a learner with an assignment in the course, a learner of another
course, staff of another course, the course's staff, its instructor, global staff, and global staff of
another company. 401 without authentication; 403 where the caller may not act on the target; 404 for
an object the caller may not see (never revealing that it exists); and a refusal writes nothing.
"""

import pytest

from mandatory_assignments import api
from sandbox import controls

from .conftest import ACME, API, COURSE, GLOBEX, OTHER_COURSE, client_of, due_in, send

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "learner",
    "other_learner",
    "staff_other",
    "course_staff",
    "instructor",
    "global_staff",
    "other_company",
)


@pytest.fixture
def world(now, course, other_course, settings):
    settings.MANDATORY_ASSIGNMENTS_SCOPE = "site"
    controls.set_site_orgs(GLOBEX, ["GlobexX"])
    users = {
        "learner": controls.create_user("lena", site=ACME),
        "other_learner": controls.create_user("olga", site=ACME),
        "staff_other": controls.create_user("oscar", site=ACME),
        "course_staff": controls.create_user("stella", site=ACME),
        "instructor": controls.create_user("ingrid", site=ACME),
        "global_staff": controls.create_user("gustav", site=ACME, is_staff=True),
        "other_company": controls.create_user("gina", site=GLOBEX, is_staff=True),
    }
    controls.make_course_staff(users["staff_other"], OTHER_COURSE)
    controls.make_course_staff(users["course_staff"], COURSE)
    controls.make_course_staff(users["instructor"], COURSE, role="instructor")
    newbie = controls.create_user("newbie", site=ACME)
    waiting = controls.create_user("waiting", site=ACME)
    mine = api.assign(user=users["learner"], target=COURSE, due_date=due_in(10), assigned_by=users["course_staff"])
    theirs = api.assign(
        user=users["other_learner"], target=OTHER_COURSE, due_date=due_in(10), assigned_by=users["staff_other"]
    )
    # A background bulk assignment the course staff started (its task runs after commit: never, here).
    job = api.start_bulk_assign(users=[waiting], target=COURSE, due_date=due_in(10), assigned_by=users["course_staff"])
    return {"users": users, "assignment": mine, "other_assignment": theirs, "job": job.task_id, "newbie": newbie}


def new_assignment_body(world):
    return {"user": world["newbie"].username, "target": COURSE, "due_date": due_in(10).isoformat()}


def bulk_body(world):
    return {"target": COURSE, "due_date": due_in(10).isoformat(), "people": {"users": [world["newbie"].username]}}


# (name, method, url, body, expected status per role in the order of ROLES)
ENDPOINTS = [
    ("list", "get", lambda w: f"{API}assignments/?course_id={COURSE}", None, (401, 200, 200, 200, 200, 200, 200, 200)),
    (
        "detail",
        "get",
        lambda w: f"{API}assignments/{w['assignment'].pk}/",
        None,
        (401, 200, 404, 404, 200, 200, 200, 404),
    ),
    (
        "edit",
        "patch",
        lambda w: f"{API}assignments/{w['assignment'].pk}/",
        lambda w: {"note": "Bring your helmet."},
        (401, 403, 404, 404, 200, 200, 200, 404),
    ),
    (
        "withdraw",
        "delete",
        lambda w: f"{API}assignments/{w['assignment'].pk}/",
        None,
        (401, 403, 404, 404, 204, 204, 204, 404),
    ),
    ("create", "post", lambda w: f"{API}assignments/", new_assignment_body, (401, 403, 403, 403, 201, 201, 201, 400)),
    ("bulk preview", "post", lambda w: f"{API}bulk/preview/", bulk_body, (401, 403, 403, 403, 200, 200, 200, 400)),
    ("bulk", "post", lambda w: f"{API}bulk/", bulk_body, (401, 403, 403, 403, 200, 200, 200, 400)),
    ("bulk job", "get", lambda w: f"{API}bulk/{w['job']}/", None, (401, 404, 404, 404, 200, 404, 200, 404)),
    (
        "people for a course",
        "get",
        lambda w: f"{API}people/?q=new&target={COURSE}",
        None,
        (401, 403, 403, 403, 200, 200, 200, 400),
    ),
    ("people", "get", lambda w: f"{API}people/?q=new", None, (401, 403, 403, 403, 403, 403, 200, 200)),
    (
        "groups of a course",
        "get",
        lambda w: f"{API}groups/?course_id={COURSE}",
        None,
        (401, 403, 403, 403, 200, 200, 200, 400),
    ),
    ("groups", "get", lambda w: f"{API}groups/", None, (401, 403, 403, 403, 403, 403, 200, 200)),
    (
        "export",
        "get",
        lambda w: f"{API}assignments/export.csv?course_id={COURSE}",
        None,
        (401, 200, 200, 200, 200, 200, 200, 200),
    ),
    ("my assignments", "get", lambda w: f"{API}me/assignments/", None, (401, 200, 200, 200, 200, 200, 200, 200)),
    ("my preferences", "get", lambda w: f"{API}me/preferences/", None, (401, 200, 200, 200, 200, 200, 200, 200)),
    (
        "change my preferences",
        "put",
        lambda w: f"{API}me/preferences/",
        lambda w: {"email_reminders": False},
        (401, 200, 200, 200, 200, 200, 200, 200),
    ),
    ("schema", "get", lambda w: f"{API}schema/", None, (200, 200, 200, 200, 200, 200, 200, 200)),
]

CASES = [
    pytest.param(name, method, url, body, role, expected[index], id=f"{name}-{role}")
    for name, method, url, body, expected in ENDPOINTS
    for index, role in enumerate(ROLES)
]


def snapshot(world):
    """What a refused request must leave as it was."""
    assignment = api.get_assignments().filter(pk=world["assignment"].pk).first()
    return (
        sorted(api.get_assignments().values_list("pk", "user__username", "target_key", "note", "due_date")),
        assignment is not None,
    )


@pytest.mark.parametrize("name, method, url, body, role, expected", CASES)
def test_permission_matrix(world, name, method, url, body, role, expected):
    caller = None if role == "anonymous" else world["users"][role]
    before = snapshot(world)

    response = send(client_of(caller), method, url(world), body(world) if body else None)

    assert response.status_code == expected, (name, role, getattr(response, "content", b"")[:300])
    if expected >= 400:
        assert snapshot(world) == before, "a refused request changed something"
        if not response.streaming:
            assert set(response.json()) == {"code", "detail", "field_errors"}


@pytest.mark.parametrize(
    "role, sees",
    [
        ("learner", {"assignment"}),  # their own
        ("other_learner", set()),
        ("staff_other", set()),
        ("course_staff", {"assignment"}),
        ("instructor", {"assignment"}),
        ("global_staff", {"assignment"}),
        ("other_company", set()),
    ],
)
def test_who_sees_which_assignments_of_the_course(world, role, sees):
    client = client_of(world["users"][role])

    listed = {row["id"] for row in client.get(f"{API}assignments/", {"course_id": COURSE}).json()["results"]}
    exported = client.get(f"{API}assignments/export.csv", {"course_id": COURSE})
    exported_ids = {line.split(",")[0] for line in b"".join(exported.streaming_content).decode().splitlines()[1:]}

    assert listed == {world[key].pk for key in sees}
    assert exported_ids == {str(world[key].pk) for key in sees}


@pytest.mark.parametrize(
    "role, sees",
    [
        ("learner", {"assignment"}),
        ("other_learner", {"other_assignment"}),
        ("staff_other", set()),  # without naming their course: only their own
        ("course_staff", set()),
        ("global_staff", {"assignment", "other_assignment"}),  # every course
        ("other_company", set()),
    ],
)
def test_without_a_course_staff_see_their_own_and_global_staff_everything_of_their_company(world, role, sees):
    response = client_of(world["users"][role]).get(f"{API}assignments/", {"status": "all"})

    assert {row["id"] for row in response.json()["results"]} == {world[key].pk for key in sees}


def test_unknown_and_invisible_assignments_answer_alike(world):
    client = client_of(world["users"]["staff_other"])
    missing = world["assignment"].pk + 1000

    invisible = client.get(f"{API}assignments/{world['assignment'].pk}/")
    unknown = client.get(f"{API}assignments/{missing}/")

    assert invisible.status_code == unknown.status_code == 404
    assert invisible.json() == unknown.json()


def test_unknown_and_invisible_bulk_jobs_answer_alike(world):
    client = client_of(world["users"]["instructor"])

    assert client.get(f"{API}bulk/{world['job']}/").json() == client.get(f"{API}bulk/no-such-job/").json()


def test_other_company_people_are_not_found_by_search(world):
    client = client_of(world["users"]["other_company"])
    controls.create_user("newton", site=GLOBEX)

    assert [person["username"] for person in client.get(f"{API}people/", {"q": "new"}).json()] == ["newton"]


def test_a_deactivated_account_is_logged_out(world):
    staff = world["users"]["course_staff"]
    client = client_of(staff)
    staff.is_active = False
    staff.save()

    response = client.get(f"{API}assignments/{world['assignment'].pk}/")

    assert response.status_code == 401
