"""
Who may do what: staff permissions on targets, and company (site) scoping.

Every check fails closed: when the platform cannot answer, the answer is no. With
``MANDATORY_ASSIGNMENTS_SCOPE = "site"`` a person belongs to the company (site) the platform recorded for
them, or to the default site (``SITE_ID``) when none is recorded; only superusers reach every company.
"""

from . import compat
from .conf import setting


def scoped():
    return setting("SCOPE") == "site"


def is_active_user(user):
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def can_manage_target(user, target):
    """Course staff (and global staff) for a course; global staff for a learning path."""
    if target is None or not is_active_user(user):
        return False
    if target.type == "course":
        return compat.has_course_staff_access(user, target.key)
    return compat.is_global_staff(user)


def is_global_staff(user):
    return is_active_user(user) and compat.is_global_staff(user)


def unrestricted(staff):
    """Superusers act across companies (the platform's own operators)."""
    return bool(staff is not None and staff.is_superuser)


def company_of(user):
    """The company (site domain) of ``user``: the recorded one, else the default site's."""
    return companies_of([user.id])[user.id]


def companies_of(user_ids):
    """``{user_id: domain}`` for every id given, the default site's domain where none is recorded."""
    user_ids = list(user_ids)
    recorded = compat.get_signup_sites(user_ids)
    default = compat.default_site_domain()
    return {user_id: recorded.get(user_id) or default for user_id in user_ids}


def target_in_company(target, staff_company):
    """A course must belong to one of the company's orgs; a company without an org filter restricts none."""
    if target.type != "course" or not staff_company:
        return True
    orgs = compat.get_site_course_orgs(staff_company)
    return not orgs or target.org in orgs


def people_filter(staff, field="pk"):
    """
    ``None`` when ``staff`` may see everyone, else a ``Q`` (on the user id named by ``field``) that keeps
    the people of their company — a subquery, never a list of ids.
    """
    if not scoped() or unrestricted(staff):
        return None
    return compat.site_member_filter(company_of(staff), default_domain=compat.default_site_domain(), field=field)
