"""
Company scoping (``MANDATORY_ASSIGNMENTS_SCOPE = "site"``) on every path: editing, withdrawing, reading,
searching, groups, departments and background bulk jobs. Global staff are scoped too; only superusers
reach every company. A person with no recorded site belongs to the default site (``SITE_ID``).
"""

import pytest
from django.contrib.sites.models import Site

from mandatory_assignments import api
from mandatory_assignments.models import Assignment, AuditEntry, Delivery
from sandbox import controls

from .conftest import COURSE, due_in

pytestmark = pytest.mark.usefixtures("now")

ACME = "acme.example.com"
GLOBEX = "globex.example.com"


@pytest.fixture
def people(course, settings):
    """Two companies and the default site, with their staff, and one assignment per learner."""
    acme_staff = controls.create_user("acme_staff", site=ACME)
    globex_staff = controls.create_user("globex_staff", site=GLOBEX)
    for member in (acme_staff, globex_staff):
        controls.make_course_staff(member, COURSE)
    root = controls.create_user("root", is_staff=True)
    root.is_superuser = True
    root.save()
    found = {
        "acme_staff": acme_staff,
        "globex_staff": globex_staff,
        "acme_global": controls.create_user("acme_global", site=ACME, is_staff=True),
        "globex_global": controls.create_user("globex_global", site=GLOBEX, is_staff=True),
        "home_global": controls.create_user("home_global", is_staff=True),  # no recorded site
        "root": root,
        "acme_learner": controls.create_user("acme_learner", site=ACME, department="Sales"),
        "globex_learner": controls.create_user("globex_learner", site=GLOBEX, department="Sales"),
        "home_learner": controls.create_user("home_learner", department="Sales"),  # no recorded site
    }
    for name in ("acme_learner", "globex_learner", "home_learner"):
        found[f"{name}_assignment"] = api.assign(
            user=found[name], target=COURSE, due_date=due_in(14), assigned_by=root, note="Original note"
        )
    settings.MANDATORY_ASSIGNMENTS_SCOPE = "site"
    return found


def usernames(rows):
    return sorted(row.user.username if isinstance(row, Assignment) else row.username for row in rows)


def test_the_default_site_is_the_company_of_people_without_a_recorded_site(people):
    assert Site.objects.get_current().domain == "example.com"
    from mandatory_assignments import access

    assert access.company_of(people["home_learner"]) == "example.com"
    assert access.company_of(people["acme_learner"]) == ACME


# Editing and withdrawing ---------------------------------------------------------------------------


@pytest.mark.parametrize("editor", ["globex_staff", "globex_global", "home_global", "acme_global"])
def test_staff_of_another_company_cannot_edit(people, editor):
    target = people["globex_learner_assignment"] if editor == "acme_global" else people["acme_learner_assignment"]
    with pytest.raises(api.AssignmentError) as error:
        api.update(target, by=people[editor], note="Changed", due_date=due_in(20))
    assert error.value.code == "other_company"
    target.refresh_from_db()
    assert (target.note, target.due_date) == ("Original note", due_in(14))
    assert not AuditEntry.objects.filter(assignment_id=target.pk, action="updated").exists()


@pytest.mark.parametrize("editor", ["globex_staff", "globex_global", "home_global"])
def test_staff_of_another_company_cannot_withdraw(people, editor):
    target = people["acme_learner_assignment"]
    with pytest.raises(api.AssignmentError) as error:
        api.withdraw(target, by=people[editor])
    assert error.value.code == "other_company"
    assert Assignment.objects.filter(pk=target.pk).exists()
    assert not Delivery.objects.filter(user=people["acme_learner"], message="withdrawn").exists()
    assert not AuditEntry.objects.filter(assignment_id=target.pk, action="withdrawn").exists()


def test_someone_of_the_same_company_without_a_role_cannot_edit_or_withdraw(people):
    colleague = controls.create_user("acme_colleague", site=ACME)
    target = people["acme_learner_assignment"]
    with pytest.raises(api.AssignmentError) as error:
        api.update(target, by=colleague, note="Changed")
    assert error.value.code == "not_allowed"
    with pytest.raises(api.AssignmentError) as error:
        api.withdraw(target, by=colleague)
    assert error.value.code == "not_allowed"
    target.refresh_from_db()
    assert target.note == "Original note"


def test_staff_of_the_same_company_edit_and_withdraw(people):
    updated = api.update(people["acme_learner_assignment"], by=people["acme_staff"], note="Changed")
    assert updated.note == "Changed"
    api.update(people["home_learner_assignment"], by=people["home_global"], note="Also changed")
    api.withdraw(people["globex_learner_assignment"], by=people["globex_global"])
    assert not Assignment.objects.filter(pk=people["globex_learner_assignment"].pk).exists()


def test_a_superuser_edits_in_every_company(people):
    for name in ("acme_learner_assignment", "globex_learner_assignment", "home_learner_assignment"):
        assert api.update(people[name], by=people["root"], note="By the operator").note == "By the operator"


# Reading -------------------------------------------------------------------------------------------


def test_global_staff_see_only_their_companys_people(people):
    assert usernames(api.get_assignments(by=people["acme_global"])) == ["acme_learner"]
    assert usernames(api.get_assignments(by=people["globex_global"])) == ["globex_learner"]
    # The default site's staff see the people recorded for no site, not those of other companies.
    assert usernames(api.get_assignments(by=people["home_global"])) == ["home_learner"]


def test_a_superuser_sees_every_company(people):
    assert usernames(api.get_assignments(by=people["root"])) == ["acme_learner", "globex_learner", "home_learner"]
    assert usernames(api.get_assignments(by=people["root"], target=COURSE)) == [
        "acme_learner",
        "globex_learner",
        "home_learner",
    ]


def test_course_staff_see_their_companys_people_of_their_course(people):
    assert usernames(api.get_assignments(by=people["acme_staff"], target=COURSE)) == ["acme_learner"]
    assert usernames(api.get_assignments(by=people["globex_staff"], target=COURSE)) == ["globex_learner"]


def test_a_learner_sees_only_their_own(people):
    assert usernames(api.get_assignments(by=people["acme_learner"])) == ["acme_learner"]
    assert usernames(api.get_assignments(by=people["acme_learner"], target=COURSE)) == ["acme_learner"]


def test_one_assignment_is_found_only_within_the_company(people):
    acme_row = people["acme_learner_assignment"]
    assert api.get_assignment(acme_row.pk, by=people["acme_staff"]) == acme_row
    assert api.get_assignment(acme_row.pk, by=people["acme_global"]) == acme_row
    assert api.get_assignment(acme_row.pk, by=people["root"]) == acme_row
    assert api.get_assignment(acme_row.pk, by=people["acme_learner"]) == acme_row
    for outsider in ("globex_staff", "globex_global", "home_global", "globex_learner"):
        assert api.get_assignment(acme_row.pk, by=people[outsider]) is None
    home_row = people["home_learner_assignment"]
    assert api.get_assignment(home_row.pk, by=people["home_global"]) == home_row
    assert api.get_assignment(home_row.pk, by=people["acme_global"]) is None


# Searching -----------------------------------------------------------------------------------------


def test_people_search_stays_within_the_company(people):
    assert usernames(api.search_people(by=people["acme_global"], q="learner")) == ["acme_learner"]
    assert usernames(api.search_people(by=people["home_global"], q="learner")) == ["home_learner"]
    assert usernames(api.search_people(by=people["acme_staff"], q="learner", target=COURSE)) == ["acme_learner"]
    assert usernames(api.search_people(by=people["root"], q="learner")) == [
        "acme_learner",
        "globex_learner",
        "home_learner",
    ]


def test_people_search_is_for_staff_only(people):
    assert api.search_people(by=people["acme_learner"], q="learner") == []
    assert api.search_people(by=people["acme_staff"], q="learner") == []  # course staff: only while assigning


# Groups and departments ----------------------------------------------------------------------------


def test_people_in_keeps_each_company_to_itself(people):
    found, invalid = api.people_in(
        by=people["home_global"], users=["acme_learner", "globex_learner", "home_learner"], departments_=["Sales"]
    )
    assert usernames(found) == ["home_learner"]
    assert sorted(value for value, _reason in invalid) == ["acme_learner", "globex_learner"]
    found, _invalid = api.people_in(by=people["root"], departments_=["Sales"])
    assert usernames(found) == ["acme_learner", "globex_learner", "home_learner"]


def test_people_in_by_cohort_needs_the_course_role(people):
    cohort = controls.create_cohort(COURSE, "Morning", users=[people["acme_learner"]])
    with pytest.raises(api.AssignmentError) as error:
        api.people_in(by=people["acme_learner"], course_key=COURSE, cohorts=[cohort.id])
    assert error.value.code == "not_allowed"


def test_departments_are_scoped_to_the_callers_company(people):
    def sizes(by):
        return {name: len(ids) for name, ids in api.departments(by=by).items()}

    assert sizes(people["acme_global"]) == {"Sales": 1}
    assert api.departments(by=people["acme_global"])["Sales"] == [people["acme_learner"].pk]
    assert api.departments(by=people["home_global"])["Sales"] == [people["home_learner"].pk]
    assert sizes(people["root"]) == {"Sales": 3}


def test_list_groups_counts_only_the_callers_company(people):
    controls.create_cohort(COURSE, "Morning", users=[people["acme_learner"], people["globex_learner"]])
    controls.create_team(COURSE, "Blue", users=[people["acme_learner"], people["home_learner"]])

    groups = api.list_groups(by=people["acme_staff"], course_key=COURSE)
    assert [(c["name"], c["size"]) for c in groups["cohorts"]] == [("Morning", 1)]
    assert [(t["name"], t["size"]) for t in groups["teams"]] == [("Blue", 1)]
    assert [(d["name"], d["size"]) for d in groups["departments"]] == [("Sales", 1)]

    groups = api.list_groups(by=people["home_global"], course_key=COURSE)
    assert [(t["name"], t["size"]) for t in groups["teams"]] == [("Blue", 1)]
    assert [(c["name"], c["size"]) for c in groups["cohorts"]] == [("Morning", 0)]

    groups = api.list_groups(by=people["root"], course_key=COURSE)
    assert [(c["name"], c["size"]) for c in groups["cohorts"]] == [("Morning", 2)]
    assert [(d["name"], d["size"]) for d in groups["departments"]] == [("Sales", 3)]


def test_list_groups_needs_the_course_role_or_global_staff(people):
    other = "course-v1:GlobexX+OTHER+2026"
    controls.create_course(other, display_name="Other")
    for caller, course_key in [
        ("acme_learner", COURSE),  # no role
        ("acme_staff", other),  # staff of another course
        ("acme_staff", None),  # the organisation-wide groups are for global staff
    ]:
        with pytest.raises(api.AssignmentError) as error:
            api.list_groups(by=people[caller], course_key=course_key)
        assert error.value.code == "not_allowed", (caller, course_key)
    assert api.list_groups(by=people["acme_global"])["departments"] == [{"id": "Sales", "name": "Sales", "size": 1}]


# Background bulk jobs ------------------------------------------------------------------------------


def test_a_bulk_job_is_seen_by_its_requester_and_global_staff_of_the_same_company(people):
    newcomer = controls.create_user("acme_newcomer", site=ACME)
    job = api.start_bulk_assign(users=[newcomer], target=COURSE, due_date=due_in(14), assigned_by=people["acme_staff"])

    for viewer in ("acme_staff", "acme_global", "root"):
        assert api.get_bulk_job(job.task_id, by=people[viewer]) is not None, viewer
    for viewer in ("globex_staff", "globex_global", "home_global", "acme_learner"):
        assert api.get_bulk_job(job.task_id, by=people[viewer]) is None, viewer
    colleague = controls.create_user("acme_course_staff", site=ACME)
    controls.make_course_staff(colleague, COURSE)
    assert api.get_bulk_job(job.task_id, by=colleague) is None  # course staff, but not the requester
    assert api.get_bulk_job("no-such-task", by=people["root"]) is None


def test_without_scoping_global_staff_see_everyone(people, settings):
    settings.MANDATORY_ASSIGNMENTS_SCOPE = "none"
    everyone = ["acme_learner", "globex_learner", "home_learner"]
    assert usernames(api.get_assignments(by=people["acme_global"])) == everyone
    assert usernames(api.get_assignments(by=people["acme_staff"], target=COURSE)) == everyone
    assert api.get_assignment(people["globex_learner_assignment"].pk, by=people["acme_global"]) is not None
