"""
URLs of the sandbox: Django's login and admin, the simulated LMS pages, and the plugins' URLs mounted
from their ``plugin_app`` configuration as the LMS mounts them.
"""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path, re_path

from sandbox import mailbox, plugins, progress, views

COURSE_ID_PATTERN = r"(?P<course_id>[^/+]+(/|\+)[^/+]+(/|\+)[^/?]+)"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="sandbox/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    re_path(rf"^courses/{COURSE_ID_PATTERN}/$", views.course_home, name="course_home"),
    re_path(rf"^courses/{COURSE_ID_PATTERN}/courseware/$", views.courseware_unit, name="courseware"),
    re_path(rf"^courses/{COURSE_ID_PATTERN}/unit/$", views.courseware_unit, name="courseware_unit"),
    re_path(rf"^courses/{COURSE_ID_PATTERN}/instructor/?$", views.instructor_dashboard, name="instructor_dashboard"),
    # The demo: a learner's progress in one click, and the emails the sandbox sent.
    re_path(rf"^courses/{COURSE_ID_PATTERN}/progress/$", progress.record_progress, name="sandbox-progress"),
    path("sandbox/emails/", mailbox.emails, name="sandbox-emails"),
    # The learner's page of a learning path (MANDATORY_ASSIGNMENTS_LEARNING_PATH_URL's default).
    path("learning-paths/<str:path_key>", views.learning_path, name="learning_path"),
    *plugins.plugin_url_patterns(),
]
