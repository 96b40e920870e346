"""Admin of the simulated certificates app."""

from django.contrib import admin

from .models import GeneratedCertificate


@admin.register(GeneratedCertificate)
class GeneratedCertificateAdmin(admin.ModelAdmin):
    list_display = ("user", "course_id", "status", "grade", "mode", "modified_date")
    list_filter = ("status",)
    raw_id_fields = ("user",)
