"""
A site's configuration values: its orgs (``course_org_filter``), platform name, from-address, ...
"""

import logging

from django.contrib.sites.models import Site
from django.db import models

log = logging.getLogger(__name__)


class SiteConfiguration(models.Model):
    """
    Values that override settings for one site (one company, in a multi-tenant LMS).

    .. no_pii:
    """

    site = models.OneToOneField(Site, related_name="configuration", on_delete=models.CASCADE)
    enabled = models.BooleanField(default=False, verbose_name="Enabled")
    site_values = models.JSONField(blank=True, default=dict)

    class Meta:
        app_label = "site_configuration"

    def __str__(self):
        return f"<SiteConfiguration: {self.site}>"

    def get_value(self, name, default=None):
        """The value of ``name`` when this configuration is enabled, else ``default``."""
        if self.enabled:
            try:
                return self.site_values.get(name, default)
            except AttributeError:
                log.exception("Invalid JSON data in site_values of site %s", self.site_id)
        return default

    @classmethod
    def get_configuration_for_org(cls, org, select_related=None):
        """The enabled configuration whose ``course_org_filter`` names ``org``, or None."""
        query = cls.objects.filter(enabled=True)
        if select_related:
            query = query.select_related(*select_related)
        for configuration in query:
            if org in _as_list(configuration.get_value("course_org_filter", [])):
                return configuration
        return None

    @classmethod
    def get_value_for_org(cls, org, name, default=None):
        configuration = cls.get_configuration_for_org(org)
        return configuration.get_value(name, default) if configuration else default

    @classmethod
    def get_all_orgs(cls):
        """Every org named by an enabled configuration."""
        orgs = set()
        for configuration in cls.objects.filter(enabled=True):
            orgs.update(_as_list(configuration.get_value("course_org_filter", [])))
        return orgs


def _as_list(orgs):
    if not orgs:
        return []
    return [orgs] if isinstance(orgs, str) else list(orgs)
