"""Admin of the simulated grades app."""

from django.contrib import admin

from .models import PersistentCourseGrade


@admin.register(PersistentCourseGrade)
class PersistentCourseGradeAdmin(admin.ModelAdmin):
    list_display = ("user_id", "course_id", "percent_grade", "letter_grade", "passed_timestamp", "modified")
    search_fields = ("course_id",)
