"""Rule 1 of DESIGN.md: views, admin, API, tasks, jobs, handlers and management commands change
state only by calling a service. This test reads their source and fails on a write of their own
(`.save()`, `.delete()`, `objects.create()`, a queryset `.update()`, `get_or_create`, copying an
object's `__dict__`), naming the file and line. Move such a write into the owning service."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WAY_IN_FILES = {
    "admin.py",
    "admin_forms.py",
    "forms.py",
    "views.py",
    "portal.py",
    "api.py",
    "tasks.py",
    "jobs.py",
    "handlers.py",
    "webhook.py",
    "receiving.py",
}
WAY_IN_PACKAGES = {"admin", "views", "commands"}
WRITES = {"save", "delete", "create", "update", "get_or_create", "update_or_create", "bulk_create", "bulk_update"}
QUERYSET_WORDS = {"objects", "filter", "exclude", "all", "select_for_update"}


def ways_in():
    for path in sorted((ROOT / "apps").rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if "migrations" not in parts and (path.name in WAY_IN_FILES or WAY_IN_PACKAGES & set(parts[:-1])):
            yield path


def chain(node) -> list[str]:
    names = []
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        if isinstance(node, ast.Attribute):
            names.append(node.attr)
        node = node.func if isinstance(node, ast.Call) else node.value
    return names[::-1]


def is_write(node) -> bool:
    if isinstance(node, ast.Attribute) and node.attr == "__dict__":
        return True
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITES):
        return False
    if node.func.attr in ("create", "update"):
        return bool(QUERYSET_WORDS & set(chain(node.func)))
    return True


def writes_in(path):
    tree = ast.parse(path.read_text())
    return [f"{path.relative_to(ROOT)}:{node.lineno}" for node in ast.walk(tree) if is_write(node)]


def test_the_ways_in_write_nothing_themselves():
    found = [hit for path in ways_in() for hit in writes_in(path)]
    assert found == [], "These change state outside a service; call the owning service instead:\n" + "\n".join(found)


def test_the_scan_sees_the_writes_it_looks_for(tmp_path):
    sample = tmp_path / "admin.py"
    sample.write_text(
        "obj.save()\nThing.objects.filter(a=1).update(b=2)\nx.__dict__.update(y)\nd.update(e)\n"
        "Thing.objects.create(a=1)\nout.create_thing()\n"
    )
    tree = ast.parse(sample.read_text())
    assert sorted(node.lineno for node in ast.walk(tree) if is_write(node)) == [1, 2, 3, 5]
