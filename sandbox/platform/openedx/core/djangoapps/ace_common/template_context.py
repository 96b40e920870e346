"""
The context every ACE email template of the platform receives.
"""

from django.conf import settings
from django.urls import NoReverseMatch, reverse


def get_base_template_context(site):
    """Entries needed by all templates that use the platform's base email template."""
    try:
        dashboard_url = reverse("dashboard")
    except NoReverseMatch:
        dashboard_url = reverse("home")

    site_configuration = getattr(site, "configuration", None) if site is not None else None
    site_configuration_values = site_configuration.site_values if site_configuration else {}

    def config_value(setting_name, site_config_name=None):
        default = getattr(settings, setting_name, None)
        if site_configuration is None:
            return default
        return site_configuration.get_value(site_config_name or setting_name, default)

    return {
        "homepage_url": settings.LMS_ROOT_URL,
        "dashboard_url": dashboard_url,
        "template_revision": getattr(settings, "EDX_PLATFORM_REVISION", None),
        "platform_name": config_value("PLATFORM_NAME", "platform_name"),
        "contact_email": config_value("CONTACT_EMAIL", "contact_email"),
        "contact_mailing_address": config_value("CONTACT_MAILING_ADDRESS", "contact_mailing_address"),
        "social_media_urls": config_value("SOCIAL_MEDIA_FOOTER_ACE_URLS"),
        "social_media_logo_urls": config_value("SOCIAL_MEDIA_LOGO_URLS"),
        "mobile_store_urls": config_value("MOBILE_STORE_ACE_URLS"),
        "mobile_store_logo_urls": config_value("MOBILE_STORE_LOGO_URLS"),
        "logo_url": getattr(settings, "LOGO_URL_PNG_FOR_EMAIL", ""),
        "site_configuration_values": site_configuration_values,
    }
