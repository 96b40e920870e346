"""
Logging filters of the sandbox.

The platform packages the sandbox installs note, on every start, what a production LMS configures and the
sandbox leaves out on purpose. Each note is named here by its logger and the start of its message, so that
any other warning or error of the same loggers (a plugin that fails to load, say) still shows.
"""

import logging

# logger name -> starts of the messages dropped
PLATFORM_NOISE = {
    # edx-ace loads every channel it ships: the sandbox has no django-push-notifications app...
    "stevedore.extension": ("Could not load 'push_notification'", "Could not load 'sailthru_email'"),
    # ...and no Sailthru account.
    "edx_ace.channel.sailthru": ("ACE_CHANNEL_SAILTHRU_",),
    # edx-django-utils' default telemetry backend; the sandbox does not install New Relic's agent.
    "edx_django_utils.monitoring.internal.backends": (
        "Could not load OPENEDX_TELEMETRY option 'edx_django_utils.monitoring.NewRelicBackend'",
    ),
    # Celery without CELERY_BROKER_URL runs tasks eagerly: the broker it would use is never contacted.
    "kombu.connection": ("No hostname was supplied",),
}


class DropPlatformNoise(logging.Filter):
    """Drop the records listed in ``PLATFORM_NOISE``; pass everything else."""

    def filter(self, record):
        starts = PLATFORM_NOISE.get(record.name)
        if not starts:
            return True
        return not record.getMessage().startswith(starts)
