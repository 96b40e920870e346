"""
Running request-dependent code (site configuration, current user) outside a request.
"""

from contextlib import contextmanager

from crum import CurrentRequestUserMiddleware, get_current_request
from django.conf import settings
from django.http import HttpResponse
from django.test.client import RequestFactory


@contextmanager
def emulate_http_request(site=None, user=None, middleware_classes=None):
    """
    Make a fake request to ``site`` by ``user`` the current request (crum) while the block runs.

    Code that reads the "current" site or user (``site_configuration.helpers``, ACE's message types) then
    behaves as inside a request to that site. As in the platform, an existing current request is reused
    (its ``site`` and ``user`` replaced) and crum's current request is cleared at the end. Yields the request.
    """
    request = _get_request_or_stub(site)
    request.site = site
    request.user = user
    middleware_instances = [
        klass(get_response=lambda request: None) for klass in middleware_classes or [CurrentRequestUserMiddleware]
    ]
    response = HttpResponse()
    for middleware in middleware_instances:
        _run_method_if_implemented(middleware, "process_request", request)
    try:
        yield request
    except Exception as exc:
        for middleware in reversed(middleware_instances):
            _run_method_if_implemented(middleware, "process_exception", request, exc)
        raise
    for middleware in reversed(middleware_instances):
        _run_method_if_implemented(middleware, "process_response", request, response)


def _get_request_or_stub(site):
    """The current request (as the platform does, it is reused and changed) or a stub request."""
    request = get_current_request()
    if request is not None:
        return request
    server_name = site.domain if site is not None else getattr(settings, "SITE_NAME", "localhost")
    return RequestFactory(SERVER_NAME=server_name.split(":")[0]).get("/")


def _run_method_if_implemented(instance, method_name, *args, **kwargs):
    if hasattr(instance, method_name):
        return getattr(instance, method_name)(*args, **kwargs)
    return None
