"""Shared bits for management commands: service refusals become clean CommandErrors."""

from contextlib import contextmanager

from django.core.management.base import CommandError

from apps.core.errors import ServiceError


@contextmanager
def refusals_as_command_errors():
    try:
        yield
    except ServiceError as exc:
        raise CommandError(exc.message) from None
