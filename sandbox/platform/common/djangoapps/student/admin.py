"""Admin of the simulated student app."""

from django.contrib import admin

from .models import CourseAccessRole, CourseEnrollment, UserAttribute, UserProfile, UserSignupSource


@admin.register(CourseEnrollment)
class CourseEnrollmentAdmin(admin.ModelAdmin):
    list_display = ("user", "course_id", "mode", "is_active", "created")
    list_filter = ("is_active", "mode")
    search_fields = ("user__username", "course__id")
    raw_id_fields = ("user",)


@admin.register(UserProfile)
class UserProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "meta")
    search_fields = ("user__username", "name")
    raw_id_fields = ("user",)


@admin.register(UserSignupSource)
class UserSignupSourceAdmin(admin.ModelAdmin):
    list_display = ("user", "site")
    raw_id_fields = ("user",)


@admin.register(UserAttribute)
class UserAttributeAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "value")
    raw_id_fields = ("user",)


@admin.register(CourseAccessRole)
class CourseAccessRoleAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "org", "course_id")
    raw_id_fields = ("user",)
