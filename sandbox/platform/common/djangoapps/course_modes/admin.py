"""Admin of the simulated course modes app."""

from django.contrib import admin

from .models import CourseMode


@admin.register(CourseMode)
class CourseModeAdmin(admin.ModelAdmin):
    list_display = ("course_id", "mode_slug", "mode_display_name", "min_price", "currency")
    list_filter = ("mode_slug",)
    search_fields = ("course__id",)
