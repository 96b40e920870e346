"""
The built-in manager resolver: the plugin's own manager relation (Django admin, CSV import, API).
"""

from django.contrib.auth import get_user_model


def builtin_managers(user):
    """The active managers of ``user`` in the plugin's manager relation."""
    from .models import ManagerRelation  # pylint: disable=import-outside-toplevel

    manager_ids = ManagerRelation.objects.filter(user=user).values_list("manager_id", flat=True)
    return list(get_user_model().objects.filter(pk__in=list(manager_ids), is_active=True).order_by("username"))
