from django.urls import path

from visits import views

urlpatterns = [
    path("", views.index, name="index"),
    path("hello/<str:name>", views.hello, name="hello"),
    path("visits", views.visits, name="visits"),
]
