"""
A stand-in for a courseware vertical block, with the parts of the XBlock runtime that filters use.
"""

from xblock.reference.user_service import UserService, XBlockUser


class SandboxUserService(UserService):
    """The XBlock "user" service of the LMS runtime: the current user, with the platform's ids."""

    def __init__(self, user, **kwargs):
        super().__init__(**kwargs)
        self._user = user

    def get_current_user(self):
        user = self._user
        xblock_user = XBlockUser(
            is_current_user=True,
            emails=[user.email] if user.is_authenticated else [],
            full_name=getattr(getattr(user, "profile", None), "name", None),
        )
        xblock_user.opt_attrs["edx-platform.user_id"] = user.id
        xblock_user.opt_attrs["edx-platform.username"] = user.username
        xblock_user.opt_attrs["edx-platform.is_authenticated"] = user.is_authenticated
        xblock_user.opt_attrs["edx-platform.user_is_staff"] = user.is_staff
        return xblock_user


class SandboxRuntime:
    """The runtime's ``service(block, name)``: only the "user" service."""

    def __init__(self, user):
        self._services = {"user": SandboxUserService(user)}

    def service(self, block, service_name):
        return self._services.get(service_name)


class ScopeIds:
    def __init__(self, usage_id):
        self.usage_id = usage_id
        self.block_type = usage_id.block_type
        self.def_id = usage_id


class SandboxVerticalBlock:
    """One unit of a course (``vertical`` block ``unit``)."""

    category = "vertical"

    def __init__(self, course_overview, user):
        self.location = course_overview.id.make_usage_key("vertical", "unit")
        self.scope_ids = ScopeIds(self.location)
        self.runtime = SandboxRuntime(user)
        self.display_name = f"{course_overview.display_name}: Unit 1"
