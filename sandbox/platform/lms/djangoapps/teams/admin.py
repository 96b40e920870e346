"""Admin of the simulated teams app."""

from django.contrib import admin

from .models import CourseTeam, CourseTeamMembership


@admin.register(CourseTeam)
class CourseTeamAdmin(admin.ModelAdmin):
    list_display = ("name", "team_id", "course_id", "topic_id", "team_size")
    search_fields = ("name", "team_id", "course_id")


@admin.register(CourseTeamMembership)
class CourseTeamMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "team", "date_joined")
    raw_id_fields = ("user",)
