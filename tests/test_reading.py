"""
Reading assignments (``reading.py``): statuses computed for the moment asked.
"""

import datetime

import pytest
import time_machine

from mandatory_assignments import api, compat
from sandbox import controls

from .conftest import COURSE, NOW, due_in

pytestmark = pytest.mark.usefixtures("now")


def enrolled(user, course_key=COURSE):
    from opaque_keys.edx.keys import CourseKey

    return compat.is_enrolled(user, CourseKey.from_string(course_key))


def enroll(user, course_key=COURSE):
    from opaque_keys.edx.keys import CourseKey

    compat.enroll(user, CourseKey.from_string(course_key))


def assign(learner, staff, **kwargs):
    kwargs.setdefault("target", COURSE)
    kwargs.setdefault("due_date", due_in(14))
    return api.assign(user=learner, assigned_by=staff, **kwargs)


# Reading ----------------------------------------------------------------------------------------


def test_get_assignments_filters_by_computed_status(learner, staff):
    other = controls.create_user("olga")
    first = assign(learner, staff)
    second = assign(other, staff)
    controls.complete_block(other, COURSE)
    assert list(api.get_assignments(statuses=["in_progress"])) == [second]
    assert list(api.get_assignments(user=learner)) == [first]
    assert api.get_assignments(statuses=None).count() == 2
    with time_machine.travel(NOW + datetime.timedelta(days=20)):
        assert api.get_assignments(statuses=["overdue"]).count() == 2
