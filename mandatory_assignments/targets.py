"""
Targets: a course run (``course-v1:…``) or a learning path (``path-v1:…``, from learning-paths-plugin).

learning-paths-plugin is optional: without it, path keys are unknown targets.
"""

from django.conf import settings
from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import CourseKey

from . import compat
from .data import Target

PATH_PREFIX = "path-v1:"


def learning_paths_installed():
    from django.apps import apps  # pylint: disable=import-outside-toplevel

    return apps.is_installed("learning_paths")


def parse_key(value):
    """``(kind, key_string)`` of a key object or string; ``(None, None)`` when it is not a key."""
    text = str(value or "").strip()
    if text.startswith(PATH_PREFIX):
        if not learning_paths_installed():
            return None, None
        from learning_paths.keys import LearningPathKey  # pylint: disable=import-outside-toplevel

        try:
            return "path", str(LearningPathKey.from_string(text))
        except InvalidKeyError:
            return None, None
    try:
        return "course", str(CourseKey.from_string(text))
    except InvalidKeyError:
        return None, None


def _path(key_string):
    from learning_paths.models import LearningPath  # pylint: disable=import-outside-toplevel

    return LearningPath.objects.filter(key=key_string).prefetch_related("steps").first()


def resolve(value):
    """The :class:`Target` for a key (object or string), or ``None`` when no such course or path exists."""
    kind, key = parse_key(value)
    if kind == "course":
        overview = compat.get_course_overview(CourseKey.from_string(key))
        if overview is None:
            return None
        return Target(
            key=key, type="course", display_name=overview.display_name or key, course_keys=(key,), org=overview.org
        )
    if kind == "path":
        path = _path(key)
        if path is None:
            return None
        steps = sorted(path.steps.all(), key=lambda step: step.order)
        course_keys = tuple(str(step.course_key) for step in steps)
        return Target(
            key=key, type="path", display_name=path.display_name or key, course_keys=course_keys, org=path.key.org
        )
    return None


def course_keys_of_paths(path_keys):
    """``{path_key: (course_key, …)}`` for the given path keys, in one query."""
    path_keys = list(path_keys)
    if not path_keys or not learning_paths_installed():
        return {}
    from learning_paths.models import LearningPathStep  # pylint: disable=import-outside-toplevel

    result = {key: [] for key in path_keys}
    steps = LearningPathStep.objects.filter(learning_path__key__in=path_keys).order_by("order")
    for path_key, course_key in steps.values_list("learning_path__key", "course_key"):
        result.setdefault(str(path_key), []).append(str(course_key))
    return {key: tuple(courses) for key, courses in result.items()}


def path_keys_containing(course_key):
    """The keys of the learning paths that include ``course_key``."""
    if not learning_paths_installed():
        return []
    from learning_paths.models import LearningPathStep  # pylint: disable=import-outside-toplevel

    return [
        str(key)
        for key in LearningPathStep.objects.filter(course_key=course_key).values_list("learning_path__key", flat=True)
    ]


def enroll_in_path(user, path_key):
    """Enroll the person in the learning path itself (re-activating an inactive enrollment)."""
    from learning_paths.models import LearningPath, LearningPathEnrollment  # pylint: disable=import-outside-toplevel

    path = LearningPath.objects.get(key=path_key)
    enrollment, created = LearningPathEnrollment.objects.get_or_create(user=user, learning_path=path)
    if not created and not enrollment.is_active:
        enrollment.is_active = True
        enrollment.save(update_fields=["is_active", "modified"])


def url_of(target_key, target_type):
    """An absolute link to the target for emails and pages."""
    root = getattr(settings, "LMS_ROOT_URL", "").rstrip("/")
    if target_type == "path":
        template = getattr(settings, "MANDATORY_ASSIGNMENTS_LEARNING_PATH_URL", "{root}/learning-paths/{key}")
        return template.format(root=root, key=target_key)
    return f"{root}/courses/{target_key}/"


def list_learning_paths():
    """``[(key, display name)]`` of the learning paths (none without learning-paths-plugin), by name."""
    if not learning_paths_installed():
        return []
    from learning_paths.models import LearningPath  # pylint: disable=import-outside-toplevel

    rows = LearningPath.objects.order_by("display_name").values_list("key", "display_name")
    return [(str(key), name or str(key)) for key, name in rows]
