"""
People's managers: the built-in manager relation (Django admin, CSV import, ``api.set_managers``) and the
configurable resolver ``MANDATORY_ASSIGNMENTS_MANAGER_RESOLVER`` that the tick asks.
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.module_loading import import_string

from .conf import setting
from .models import ManagerRelation


def builtin_managers(user):
    """The active managers of ``user`` in the plugin's manager relation."""
    manager_ids = ManagerRelation.objects.filter(user=user).values_list("manager_id", flat=True)
    return list(get_user_model().objects.filter(pk__in=list(manager_ids), is_active=True).order_by("username"))


def reports_of(manager):
    """A subquery of the ids of the people ``manager`` manages in the built-in relation."""
    return ManagerRelation.objects.filter(manager=manager).values("user_id")


def builtin_manager_ids(user):
    """The ids of ``user``'s managers in the built-in relation (active or not)."""
    return set(ManagerRelation.objects.filter(user=user).values_list("manager_id", flat=True))


def set_managers(user, managers):
    """Replace the person's managers in the built-in manager relation."""
    managers = [manager for manager in managers if manager.pk != user.pk]
    with transaction.atomic():
        ManagerRelation.objects.filter(user=user).exclude(manager__in=managers).delete()
        existing = set(ManagerRelation.objects.filter(user=user).values_list("manager_id", flat=True))
        ManagerRelation.objects.bulk_create(
            [ManagerRelation(user=user, manager=manager) for manager in managers if manager.pk not in existing]
        )


def get_managers(user):
    """The person's managers, from ``MANDATORY_ASSIGNMENTS_MANAGER_RESOLVER``."""
    resolver = import_string(setting("MANAGER_RESOLVER"))
    return list(resolver(user))
