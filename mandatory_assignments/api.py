"""
The public Python API of mandatory assignments (SPEC §3): the one door views, tasks, receivers and
other apps use. It only re-exports; the work is done in the modules named beside each name.
"""

from .assigning import assign
from .bulk import bulk_assign, get_bulk_job, plan_bulk, run_bulk_job, start_bulk_assign
from .data import UNCHANGED, BulkResult
from .delivery import mark_sent as record_message_sent
from .departments import rebuild as rebuild_departments
from .departments import refresh as refresh_department
from .editing import update, withdraw
from .errors import ERROR_CODES, AssignmentError
from .evidence import (
    has_open_assignments,
    record_course_not_passing,
    record_course_passed,
    record_progress,
    record_unenrollment,
)
from .groups import departments, list_groups, people_in
from .managers import builtin_manager_ids, get_managers, set_managers
from .reading import (
    can_manage,
    can_view_overview,
    email_template_names,
    find_person,
    get_assignment,
    get_assignments,
    history_of,
    manages_person,
    may_open_course_page,
    may_search_people,
    search_people,
    status_q,
    target_choices,
)
from .reminders import time_zone_changed
from .retirement import retire_user
from .scheduler import run_scheduler
from .zones import time_zones_of, user_time_zone

__all__ = [
    # SPEC §3
    "assign",
    "bulk_assign",
    "update",
    "withdraw",
    "get_assignments",
    "set_managers",
    "run_scheduler",
    "AssignmentError",
    # Reading, for pages and endpoints
    "ERROR_CODES",
    "UNCHANGED",
    "BulkResult",
    "can_manage",
    "can_view_overview",
    "get_assignment",
    "history_of",
    "may_search_people",
    "manages_person",
    "may_open_course_page",
    "find_person",
    "target_choices",
    "email_template_names",
    "search_people",
    "status_q",
    "user_time_zone",
    "time_zones_of",
    # Bulk in steps and in the background
    "plan_bulk",
    "start_bulk_assign",
    "run_bulk_job",
    "get_bulk_job",
    # Groups
    "departments",
    "list_groups",
    "people_in",
    "rebuild_departments",
    "refresh_department",
    # Managers
    "get_managers",
    "builtin_manager_ids",
    # Platform events (receivers)
    "has_open_assignments",
    "record_course_passed",
    "record_course_not_passing",
    "record_progress",
    "record_unenrollment",
    "record_message_sent",
    "retire_user",
    "time_zone_changed",
]
