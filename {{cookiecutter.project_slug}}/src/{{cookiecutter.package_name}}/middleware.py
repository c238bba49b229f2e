"""503 while the database does not answer (down, restarting, unreachable), instead of Django's
500: clients and load balancers retry later, and the health check says the same."""

from django.db import InterfaceError, OperationalError
from django.http import JsonResponse


class DatabaseUnavailable:
    """Middleware answering 503 for a request that failed because the database did not answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, (OperationalError, InterfaceError)):
            return JsonResponse({"error": "the database is unavailable"}, status=503)
        return None
