"""
openedx-filters pipeline steps the tests configure on the platform's ``CourseEnrollmentStarted`` filter,
the platform's own hook before every enrollment (no patching of the plugin).
"""

from openedx_filters import PipelineStep
from openedx_filters.learning.filters import CourseEnrollmentStarted

# Usernames whose enrollment the step refuses, and hooks run before a given person's enrollment.
REFUSED = set()
BEFORE_ENROLLING = {}


class RefuseSomeEnrollments(PipelineStep):
    """Prevents the enrollment of the people in REFUSED, as an enrollment-restricting plugin would."""

    def run_filter(self, user, course_key, mode):  # pylint: disable=arguments-differ
        hook = BEFORE_ENROLLING.pop(user.username, None)
        if hook is not None:
            hook()
        if user.username in REFUSED:
            raise CourseEnrollmentStarted.PreventEnrollment("Enrollment is closed for this person.")
        return {}


FILTER_CONFIG = {
    CourseEnrollmentStarted.filter_type: {
        "fail_silently": False,
        "pipeline": ["tests.filter_steps.RefuseSomeEnrollments"],
    }
}
