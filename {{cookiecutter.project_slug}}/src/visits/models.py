"""The example's state: named counters, in the database in DATA_DIR."""

from django.db import models, transaction
from django.db.models import F


class Counter(models.Model):
    name = models.CharField(max_length=100, unique=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.name}: {self.value}"

    @classmethod
    def hit(cls, name):
        """Add one to the counter `name` and return its new value."""
        with transaction.atomic():
            counter, _ = cls.objects.get_or_create(name=name)
            cls.objects.filter(pk=counter.pk).update(value=F("value") + 1)
            counter.refresh_from_db()
        return counter.value

    @classmethod
    def count(cls, name):
        """The counter `name`'s value (0 before its first hit)."""
        counter = cls.objects.filter(name=name).first()
        return counter.value if counter else 0
