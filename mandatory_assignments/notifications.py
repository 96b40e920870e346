"""
The notices sent around assignments' lifecycle: assigned, withdrawn, new cycle.

Called after commit with primitive values; the sending happens in Celery tasks. With the feature switch
(``MANDATORY_ASSIGNMENTS_ENABLED``) off, no email is sent.
"""

from .conf import setting


def _tasks():
    from . import tasks  # pylint: disable=import-outside-toplevel  (tasks import the API, which imports us)

    return tasks


def assigned(assignment_ids):
    """Tell each person of a new assignment."""
    if assignment_ids and setting("ENABLED"):
        _tasks().send_notices.delay("assigned", list(assignment_ids))


def withdrawn_notice(assignment):
    """What the withdrawn email needs, taken before the assignment is deleted."""
    return {
        "assignment_id": assignment.pk,
        "user_id": assignment.user_id,
        "target_key": assignment.target_key,
        "target_type": assignment.target_type,
        "due_date": assignment.due_date.isoformat(),
        "note": assignment.note,
        "cycle": assignment.cycle,
    }


def withdrawn(notice):
    """Tell the person their assignment was withdrawn."""
    if setting("ENABLED"):
        _tasks().send_withdrawn_notice.delay(notice)


def new_cycle(assignment_ids):
    """Tell each person that a recurring assignment is due again."""
    if assignment_ids and setting("ENABLED"):
        _tasks().send_notices.delay("new_cycle", list(assignment_ids))
