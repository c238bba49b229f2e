"""The example's views: a page (a template and a static file), and JSON endpoints like those of
the other frameworks' examples."""

from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from visits.models import Counter


@require_GET
def index(request):
    """A page, styled by a static file, showing the count."""
    context = {"title": "{{ cookiecutter.project_name }}", "visits": Counter.count("visits")}
    return render(request, "visits/index.html", context)


@require_GET
def hello(request, name):
    """An example endpoint."""
    return JsonResponse({"message": f"Hello, {name}!"})


# An API endpoint for clients without a session or a CSRF token (curl, other services).
@csrf_exempt
@require_http_methods(["GET", "POST"])
def visits(request):
    """GET: how many visits were counted, across restarts. POST: count one, a database write."""
    if request.method == "POST":
        return JsonResponse({"visits": Counter.hit("visits")})
    return JsonResponse({"visits": Counter.count("visits")})
