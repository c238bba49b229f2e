"""The project's URLs: the example app's (the service host answers /healthz before Django)."""

from django.urls import include, path

urlpatterns = [
    path("", include("visits.urls")),
]
