"""Admin of the simulated support app."""

from django.contrib import admin

from .models import CourseResetAudit, CourseResetCourseOptIn


@admin.register(CourseResetCourseOptIn)
class CourseResetCourseOptInAdmin(admin.ModelAdmin):
    list_display = ("course_id", "active", "modified")


@admin.register(CourseResetAudit)
class CourseResetAuditAdmin(admin.ModelAdmin):
    list_display = ("course_enrollment", "status", "reset_by", "created", "completed_at")
    list_filter = ("status",)
