"""
The platform's base ACE message type.
"""

from edx_ace.message import MessageType

from openedx.core.djangoapps.site_configuration import helpers as configuration_helpers


class BaseMessageType(MessageType):
    """An ACE message type sent from the current site's ``email_from_address`` when it has one."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from_address = configuration_helpers.get_value("email_from_address")
        if from_address:
            self.options.update({"from_address": from_address})
