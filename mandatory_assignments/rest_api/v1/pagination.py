"""
Pagination of the API's lists: ``{count, next, previous, results}`` (SPEC §3).
"""

from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination


class AssignmentPagination(PageNumberPagination):
    """``?page=N`` (from 1) and ``?page_size=`` (default 20, at most 100)."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        """
        ``page_size`` when given: a whole number from 1 (more than 100: 100). Anything else is refused
        (400, naming the field) rather than silently replaced by the default.
        """
        value = request.query_params.get(self.page_size_query_param)
        if value is None or not value.strip():
            return self.page_size
        value = value.strip()
        if not (value.isascii() and value.isdigit()) or int(value) < 1:
            raise serializers.ValidationError(
                {self.page_size_query_param: [_("Enter a whole number of rows a page, from 1.")]}
            )
        return min(int(value), self.max_page_size)

    def get_paginated_response_schema(self, schema):
        # DRF writes "nullable" (OpenAPI 3.0); the API's schema is OpenAPI 3.1, where null is a type.
        return {
            "type": "object",
            "required": ["count", "next", "previous", "results"],
            "properties": {
                "count": {"type": "integer", "example": 123},
                "next": {"type": ["string", "null"], "format": "uri"},
                "previous": {"type": ["string", "null"], "format": "uri"},
                "results": schema,
            },
        }
