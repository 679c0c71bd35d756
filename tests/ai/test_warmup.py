"""A worker or web process loads the guardrail classifier when it starts, so its first customer
message does not wait ~0.3 s for the model."""

from celery.signals import worker_process_init

from apps.ai.guardrails import classifier


def test_a_celery_pool_process_loads_the_classifier_when_it_starts():
    classifier.guardian.cache_clear()
    worker_process_init.send(sender=None)
    assert classifier.guardian.cache_info().currsize == 1
