"""Deleting many rows in batches of ids, so no statement holds a long lock on a big table."""


def delete_in_batches(queryset, batch_size=5000) -> int:
    """Deletes every row of `queryset`, `batch_size` ids at a time; returns how many."""
    model, deleted = queryset.model, 0
    while ids := list(queryset.order_by("pk").values_list("pk", flat=True)[:batch_size]):
        deleted += model.objects.filter(pk__in=ids).delete()[0]
    return deleted
