"""
Who may assign what to whom: staff permissions on targets and company (site) scoping.

Every check fails closed: when the platform cannot answer, the answer is no.
"""

from . import compat
from .conf import setting


def scoped():
    return setting("SCOPE") == "site"


def can_manage_target(user, target):
    """Course staff (and global staff) for a course; global staff for a learning path."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if target.type == "course":
        return compat.has_course_staff_access(user, target.key)
    return compat.is_global_staff(user)


def company_of(user):
    """The company (site domain) the platform recorded for ``user``, or ``None``."""
    return compat.get_signup_sites([user.id]).get(user.id)


def companies_of(user_ids):
    return compat.get_signup_sites(user_ids)


def unrestricted(staff):
    """Superusers act across companies (the platform's own operators)."""
    return bool(staff is not None and staff.is_superuser)


def same_company(staff_company, person_company):
    return staff_company == person_company


def target_in_company(target, staff_company):
    """A course must belong to one of the company's orgs; a company without an org filter restricts none."""
    if target.type != "course" or not staff_company:
        return True
    orgs = compat.get_site_course_orgs(staff_company)
    return not orgs or target.org in orgs


def visible_user_ids_filter(staff):
    """``None`` when ``staff`` may see everyone, else the set of user ids of their company."""
    if not scoped() or unrestricted(staff):
        return None
    company = company_of(staff)
    if company is None:
        return set()
    return compat.users_of_site(company)
