"""
Pagination of the API's lists: ``{count, next, previous, results}`` (SPEC §3).
"""

from rest_framework.pagination import PageNumberPagination


class AssignmentPagination(PageNumberPagination):
    """``?page=N`` (from 1) and ``?page_size=`` (default 20, at most 100)."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

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
