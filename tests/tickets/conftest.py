"""Ticket console fixtures: a logged-in agent and a high-priority ticket of `tenant`."""

import pytest

from tests.tickets.factories import make_ticket


@pytest.fixture
def agent_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def ticket(tenant):
    return make_ticket(tenant, subject="Messages stuck", body="Nothing goes out", priority="high")
