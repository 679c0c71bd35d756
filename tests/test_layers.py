"""Imports point down only (DESIGN.md, "Layers"). Each app has a layer; a module may import its own
app, any app of a lower layer, and a sibling of its own layer as long as no two siblings import
each other (directly or round a cycle). The ways in (consoles, APIs, views, jobs, commands) are
the top layer whatever app they sit in. Anyone may emit an event or write the audit log."""

import ast
from collections import defaultdict
from pathlib import Path

APPS_DIR = Path(__file__).resolve().parent.parent / "apps"

LAYER = {
    "core": 0,
    "tenants": 1,
    "accounts": 1,
    "events": 2,
    "integrations": 3,
    "outbound": 3,
    "tickets": 3,
    "health": 3,
    "jobs": 3,
    "ai": 3,
    "knowledge": 3,
    "backups": 3,
    "drafts": 3,
    "fallback": 3,
    "incidents": 4,
    "observability": 5,
    "platform_bot": 5,
    "comms": 5,
}
TOP = 9
ANYONE_MAY_IMPORT = {"apps.events", "apps.events.audit"}
TOP_MODULES = {"admin", "api", "api_urls", "urls", "views", "serializers", "forms", "jobs", "demo", "apps"}
TOP_PREFIXES = ("admin_",)
TOP_PACKAGES = {"admin", "management"}
WAYS_IN = {"core/health.py"}  # the /healthz and /readyz views, which ask every layer


def is_way_in(path: Path) -> bool:
    parts = path.relative_to(APPS_DIR).parts
    if "/".join(parts) in WAYS_IN or TOP_PACKAGES & set(parts[1:-1]):
        return True
    return path.stem in TOP_MODULES or path.stem.startswith(TOP_PREFIXES)


def imported_modules(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
        elif isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)


def cross_app_imports():
    """(module path, line, importing app, imported module, imported app) for every import of another app."""
    for path in sorted(APPS_DIR.rglob("*.py")):
        app = path.relative_to(APPS_DIR).parts[0]
        if app not in LAYER or "migrations" in path.parts:
            continue
        for line, module in imported_modules(path):
            parts = module.split(".")
            if parts[0] == "apps" and len(parts) > 1 and parts[1] != app:
                yield path, line, app, module, parts[1]


def upward(path, app, module, target) -> bool:
    if is_way_in(path) or module in ANYONE_MAY_IMPORT:
        return False
    return LAYER[target] > LAYER[app]


def test_every_app_has_a_layer():
    apps = {path.name for path in APPS_DIR.iterdir() if (path / "apps.py").exists()}
    assert apps == set(LAYER)


def test_no_module_imports_a_higher_layer():
    found = [
        f"{path.relative_to(APPS_DIR.parent)}:{line} imports {module}"
        for path, line, app, module, target in cross_app_imports()
        if upward(path, app, module, target)
    ]
    assert found == []


def sibling_graph():
    graph = defaultdict(set)
    for path, _line, app, _module, target in cross_app_imports():
        if not is_way_in(path) and LAYER[target] == LAYER[app]:
            graph[app].add(target)
    return graph


def find_cycle(graph):
    def visit(node, trail):
        if node in trail:
            return trail[trail.index(node) :] + [node]
        return next(filter(None, (visit(nxt, trail + [node]) for nxt in sorted(graph[node]))), None)

    return next(filter(None, (visit(node, []) for node in sorted(graph))), None)


def test_siblings_never_import_each_other_round_a_cycle():
    assert find_cycle(sibling_graph()) is None


def test_the_check_sees_an_upward_import_and_a_cycle():
    assert upward(APPS_DIR / "events" / "spikes.py", "events", "apps.incidents.services", "incidents")
    assert not upward(APPS_DIR / "events" / "admin.py", "events", "apps.incidents.services", "incidents")
    assert not upward(APPS_DIR / "tenants" / "services.py", "tenants", "apps.events", "events")
    assert find_cycle({"health": {"outbound"}, "outbound": {"health"}}) == ["health", "outbound", "health"]


def test_emit_is_imported_one_way():
    """`from apps.events import emit`, never from the module behind it."""
    found = [
        f"{path.relative_to(APPS_DIR.parent)}:{node.lineno}"
        for root in ("apps", "tests")
        for path in sorted((APPS_DIR.parent / root).rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if path != APPS_DIR / "events" / "__init__.py"
        and isinstance(node, ast.ImportFrom)
        and node.module == "apps.events.ingest"
        and "emit" in {alias.name for alias in node.names}
    ]
    assert found == []
