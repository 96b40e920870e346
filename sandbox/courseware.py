"""
A stand-in for a courseware vertical block, with the parts of the XBlock runtime that filters use.

The "user" service mirrors the LMS's ``DjangoXBlockUserService``: it keeps the Django user it was built
for (``_django_user``; under masquerade, the learner being viewed, carrying ``real_user`` and
``masquerade_settings`` as the LMS's ``setup_masquerade`` leaves them) and reports, in the XBlock user's
``opt_attrs``, whether that user has staff access to the course, their role, and the whitelisted
preferences (``pref-lang``, ``time_zone``) that the LMS reads when it builds the runtime.
"""

from xblock.reference.user_service import UserService, XBlockUser

# The preferences the LMS passes to blocks (``USER_PREFERENCES_WHITE_LIST`` of its user service).
USER_PREFERENCES_WHITE_LIST = ("pref-lang", "time_zone")


class SandboxUserService(UserService):
    """The XBlock "user" service of the LMS runtime: the current user, with the platform's attributes."""

    def __init__(self, django_user, *, user_is_staff=False, user_role="student", user_preferences=None, **kwargs):
        super().__init__(**kwargs)
        self._django_user = django_user
        self._user_is_staff = user_is_staff
        self._user_role = user_role
        self._user_preferences = dict(user_preferences or {})

    def get_current_user(self):
        user = self._django_user
        xblock_user = XBlockUser(
            is_current_user=True,
            emails=[user.email] if user.is_authenticated else [],
            full_name=getattr(getattr(user, "profile", None), "name", None),
        )
        xblock_user.opt_attrs["edx-platform.is_authenticated"] = user.is_authenticated
        if user.is_authenticated:
            xblock_user.opt_attrs["edx-platform.user_id"] = user.id
            xblock_user.opt_attrs["edx-platform.username"] = user.username
            xblock_user.opt_attrs["edx-platform.user_is_staff"] = self._user_is_staff
            xblock_user.opt_attrs["edx-platform.user_is_global_staff"] = user.is_staff
            xblock_user.opt_attrs["edx-platform.user_role"] = self._user_role
            xblock_user.opt_attrs["edx-platform.user_preferences"] = self._user_preferences
        return xblock_user


class SandboxRuntime:
    """The runtime's ``service(block, name)``: only the "user" service."""

    def __init__(self, user, **user_service_options):
        self._services = {"user": SandboxUserService(user, **user_service_options)}

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

    def __init__(self, course_overview, user, **user_service_options):
        self.location = course_overview.id.make_usage_key("vertical", "unit")
        self.scope_ids = ScopeIds(self.location)
        self.runtime = SandboxRuntime(user, **user_service_options)
        self.display_name = f"{course_overview.display_name}: Unit 1"


def user_service_options(user, course_key, *, is_staff):
    """What the LMS passes to the user service of a block of ``course_key`` rendered for ``user``."""
    from openedx.core.djangoapps.user_api.models import UserPreference

    preferences = {}
    if user.is_authenticated:
        preferences = dict(
            UserPreference.objects.filter(user=user, key__in=USER_PREFERENCES_WHITE_LIST).values_list("key", "value")
        )
    role = "student"
    if is_staff:
        from common.djangoapps.student.roles import CourseInstructorRole

        role = "instructor" if CourseInstructorRole(course_key).has_user(user) else "staff"
    return {"user_is_staff": is_staff, "user_role": role, "user_preferences": preferences}
