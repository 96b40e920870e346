"""
Departments: organisation-wide groups named by the extended-profile field
``MANDATORY_ASSIGNMENTS_DEPARTMENT_FIELD`` (``UserProfile.meta``). The plugin keeps an indexed copy
(:class:`~mandatory_assignments.models.DepartmentMembership`), refreshed whenever a profile is saved.
"""

import json

from django.db import transaction

from . import compat
from .conf import setting
from .models import DepartmentMembership


def department_in(meta_text, field=None):
    """The department named in a profile's ``meta`` JSON text, or ``None``."""
    field = field or setting("DEPARTMENT_FIELD")
    try:
        meta = json.loads(meta_text or "{}")
    except (TypeError, ValueError):
        return None
    value = meta.get(field) if isinstance(meta, dict) else None
    return value.strip()[:255] if isinstance(value, str) and value.strip() else None


def refresh(user_id, meta_text):
    """Copy one person's department from their profile's ``meta``."""
    name = department_in(meta_text)
    if name is None:
        DepartmentMembership.objects.filter(user_id=user_id).delete()
    else:
        DepartmentMembership.objects.update_or_create(user_id=user_id, defaults={"name": name})


def rebuild(chunk_size=2000):
    """Copy every person's department from the profiles (after install, or after the field changed)."""
    field = setting("DEPARTMENT_FIELD")
    count = 0
    with transaction.atomic():
        DepartmentMembership.objects.all().delete()
        batch = []
        for user_id, meta_text in compat.iter_profile_meta(contains=f'"{field}"'):
            name = department_in(meta_text, field)
            if name:
                batch.append(DepartmentMembership(user_id=user_id, name=name))
            if len(batch) >= chunk_size:
                DepartmentMembership.objects.bulk_create(batch)
                count += len(batch)
                batch = []
        DepartmentMembership.objects.bulk_create(batch)
        count += len(batch)
    return count
