"""Admin of the simulated course overviews."""

from django.contrib import admin

from .models import CourseOverview


@admin.register(CourseOverview)
class CourseOverviewAdmin(admin.ModelAdmin):
    list_display = ("id", "display_name", "org", "start", "end")
    search_fields = ("id", "display_name")
