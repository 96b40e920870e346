"""Admin of the simulated cohorts."""

from django.contrib import admin

from .models import CohortMembership, CourseCohortsSettings, CourseUserGroup


@admin.register(CourseUserGroup)
class CourseUserGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "course_id", "group_type")
    search_fields = ("name", "course_id")
    filter_horizontal = ("users",)


@admin.register(CohortMembership)
class CohortMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "course_user_group", "course_id")
    raw_id_fields = ("user",)


admin.site.register(CourseCohortsSettings)
