"""Walks every portal and API route as a member of tenant A asking for tenant B's objects:
each answer is a 404 (never a 403 that confirms the object exists), and no page shows B. Every
route needs a maker for its object (tests/isolation.py OBJECT_MAKERS) and a role rule
(TENANT_RULES, STAFF_RULES there), which tests/test_roles_*.py check role by role."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.isolation import NOT_FOUND_ROUTES, OBJECT_MAKERS, STAFF_RULES, TENANT_RULES

PREFIXES = ("dashboard/", "api/v1/")


def walk(patterns, prefix=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


def all_routes():
    return [(route, entry) for route, entry in walk(get_resolver().url_patterns) if route.startswith(PREFIXES)]


def tenant_routes():
    routes = [(route, entry) for route, entry in all_routes() if route in TENANT_RULES]
    assert routes, "no portal or API routes found"
    return routes


def operator_routes():
    return [route for route, _ in all_routes() if route in STAFF_RULES and route not in TENANT_RULES]


def test_every_route_declares_its_role_rule():
    """A new portal or API route fails here until tests/isolation.py says who may use it."""
    routes = {route for route, _ in all_routes()}
    missing = sorted(routes - set(TENANT_RULES) - set(STAFF_RULES) - NOT_FOUND_ROUTES)
    assert not missing, f"add a role rule for {missing} to TENANT_RULES or STAFF_RULES in tests/isolation.py"
    stale = sorted((set(TENANT_RULES) | set(STAFF_RULES) | NOT_FOUND_ROUTES) - routes)
    assert not stale, f"tests/isolation.py has role rules for routes that no longer exist: {stale}"


def fill(route, entry, other_tenant):
    params = list(entry.pattern.converters)
    missing = [p for p in params if p not in OBJECT_MAKERS]
    assert not missing, f"{route}: add a maker for {missing} to tests/isolation.py"
    path = route
    for param in params:
        converter = entry.pattern.converters[param]
        value = converter.to_url(OBJECT_MAKERS[param](other_tenant))
        path = path.replace(f"<{type(converter).__name__.replace('Converter', '').lower()}:{param}>", value)
        path = path.replace(f"<{param}>", value)
    assert "<" not in path, f"could not fill {route}"
    return "/" + path, bool(params)


@pytest.fixture
def as_tenant_a(client, people, tenant_api):
    client.force_login(people.owner)
    return {"session": client, "api key": tenant_api}


@pytest.mark.parametrize("method", ["get", "post"])
def test_every_tenant_route_hides_other_tenants_objects(as_tenant_a, other_tenant, method):
    checked = 0
    for route, entry in tenant_routes():
        path, has_object = fill(route, entry, other_tenant)
        for who, client in as_tenant_a.items():
            if who == "api key" and not path.startswith("/api/"):
                continue
            response = getattr(client, method)(path)
            body = response.content.decode(errors="replace")
            if response.status_code == 405:
                continue  # the route does not take this method; the other method is checked
            if has_object:
                assert response.status_code == 404, f"{method.upper()} {path} as {who}: {response.status_code}"
            else:
                assert response.status_code != 500, f"{method.upper()} {path} as {who}: 500"
            assert other_tenant.name not in body and other_tenant.slug not in body, f"{path} leaks tenant B"
            checked += 1
    assert checked >= 4


@pytest.mark.parametrize("method", ["get", "post"])
def test_operator_routes_refuse_tenants_before_looking_anything_up(as_tenant_a, method):
    """Operator-only routes answer 403 to a tenant for any id, so the answer confirms nothing."""
    routes = operator_routes()
    assert routes, "no operator routes found"
    for route in routes:
        path = "/" + re.sub(r"<(?:\w+:)?\w+>", "999999", route)
        for who, client in as_tenant_a.items():
            status = getattr(client, method)(path).status_code
            assert status in (401, 403, 405), f"{method.upper()} {path} as {who}: {status}"
