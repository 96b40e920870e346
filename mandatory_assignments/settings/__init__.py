"""Plugin settings for the LMS (edx-django-utils plugin framework)."""
