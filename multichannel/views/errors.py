"""Friendly error pages. The 500 page renders without the database (it may be what failed)."""

from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader

from multichannel import access


def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


def permission_denied(request, exception=None):
    roles = getattr(exception, "roles", None)
    message = getattr(exception, "message", None) or (str(exception) if exception else "")
    context = {
        "message": message,
        "roles_needed": access.join_roles(roles) if roles else "",
        "your_roles": getattr(request.user, "role_labels", []),
    }
    return render(request, "errors/403.html", context, status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    return HttpResponseServerError(loader.get_template("errors/500.html").render())


def csrf_failure(request, reason=""):
    return render(request, "errors/csrf.html", status=403)
