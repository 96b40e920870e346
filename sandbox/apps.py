"""
The sandbox app: connects the plugins' signal receivers and keeps the platform switches the plugin needs on.
"""

from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate

COMPLETION_TRACKING_SWITCH = "completion.enable_completion_tracking"


class SandboxConfig(AppConfig):
    """The simulated LMS's project app."""

    name = "sandbox"
    verbose_name = "Sandbox"
    default_auto_field = "django.db.models.AutoField"

    def ready(self):
        from sandbox import plugins

        # The LMS does this in its plugins app's ready(), once every app is loaded.
        plugins.connect_plugin_receivers()
        # After migrations, and after every test-database flush (which emits post_migrate again).
        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="sandbox.after_migrate")
        connection_created.connect(write_ahead, dispatch_uid="sandbox.write_ahead")


def write_ahead(sender, connection, **kwargs):
    """
    An SQLite database file in WAL mode, synced at checkpoints: the demo's web server, tick and worker
    processes read while one writes, and a commit costs no fsync of its own — it survives a killed process
    (what exactly-once sending guards against), not a power cut: a sandbox's trade. (A signal, not the
    ``init_command`` option, which Django 4.2 does not have.)
    """
    if connection.vendor == "sqlite" and not connection.is_in_memory_db():
        connection.connection.execute("PRAGMA journal_mode=WAL")
        connection.connection.execute("PRAGMA synchronous=NORMAL")


def ensure_completion_tracking():
    """Turn on the waffle switch under which edx-completion records completions, as the LMS has it."""
    from edx_django_utils.cache import RequestCache
    from waffle.models import Switch

    switch, created = Switch.objects.get_or_create(name=COMPLETION_TRACKING_SWITCH, defaults={"active": True})
    if not created and not switch.active:
        switch.active = True
        switch.save()
    # edx-toggles remembers a switch's value for the request; forget a value read before this.
    RequestCache("WaffleNamespace").clear()


def _after_migrate(sender, using="default", **kwargs):
    from django.db import connections

    if "waffle_switch" in connections[using].introspection.table_names():
        ensure_completion_tracking()
