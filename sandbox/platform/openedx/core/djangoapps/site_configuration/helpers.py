"""
Reading the current site's configuration. The current site is the one of the current request
(``request.site``, set by ``CurrentSiteMiddleware`` or ``emulate_http_request``); without a request there
is none and settings apply.
"""

import crum

from .models import SiteConfiguration


def get_current_site_configuration():
    """The configuration of the current request's site, or None."""
    request = crum.get_current_request()
    site = getattr(request, "site", None) if request is not None else None
    if site is None:
        return None
    try:
        return site.configuration
    except SiteConfiguration.DoesNotExist:
        return None


def is_site_configuration_enabled():
    configuration = get_current_site_configuration()
    return bool(configuration and configuration.enabled)


def get_value(val_name, default=None, **kwargs):
    """The current site's value of ``val_name``, or ``default``."""
    configuration = get_current_site_configuration()
    return configuration.get_value(val_name, default) if configuration else default


def get_configuration_dict():
    configuration = get_current_site_configuration()
    return dict(configuration.site_values) if configuration and configuration.enabled else {}


def get_value_for_org(org, val_name, default=None):
    """The value of ``val_name`` in the configuration of the site that owns ``org``."""
    return SiteConfiguration.get_value_for_org(org, val_name, default)


def get_current_site_orgs():
    """The current site's orgs (``course_org_filter``) as a list, or a falsy value when it names none."""
    course_org_filter = get_value("course_org_filter")
    if course_org_filter and not isinstance(course_org_filter, list):
        course_org_filter = [course_org_filter]
    return course_org_filter


def get_all_orgs():
    """Every org that some site claims."""
    return SiteConfiguration.get_all_orgs()
