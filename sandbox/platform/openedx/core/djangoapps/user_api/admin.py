"""Admin of the simulated user API."""

from django.contrib import admin

from .models import UserPreference


@admin.register(UserPreference)
class UserPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "key", "value")
    search_fields = ("user__username", "key")
    raw_id_fields = ("user",)
