"""A run of the monitors as a table for people and a JSON artifact for cron and CI."""

import json

COLUMNS = [("monitor", 44), ("kind", 11), ("status", 6), ("latency_ms", 10), ("state", 8), ("detail", 0)]


def rows(outcomes) -> list[dict]:
    return [
        {
            "monitor": o.monitor.name,
            "key": o.monitor.key,
            "kind": o.monitor.kind,
            "check": o.monitor.check_name,
            "status": o.result.status,
            "ok": o.result.ok,
            "latency_ms": o.result.latency_ms,
            "state": o.monitor.state,
            "consecutive_failures": o.monitor.consecutive_failures,
            "detail": o.result.detail,
            "incident": o.incident.pk if o.incident else None,
            "suppressed": o.suppressed is not None,
            "at": o.result.at.isoformat(),
        }
        for o in outcomes
    ]


def table(data) -> str:
    lines = ["  ".join(name.ljust(width) if width else name for name, width in COLUMNS)]
    for row in data:
        cells = [_cell(row[name], width) for name, width in COLUMNS]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _cell(value, width):
    text = "" if value is None else " ".join(str(value).split())
    return text[:width].ljust(width) if width else text


def artifact(data, generated_at) -> str:
    failing = [row["key"] for row in data if not row["ok"]]
    return json.dumps(
        {"generated_at": generated_at.isoformat(), "ok": not failing, "failing": failing, "monitors": data}, indent=2
    )


def database_down_row(exc, at) -> dict:
    """The one row there is when the database cannot even be asked for its monitors."""
    detail = f"{type(exc).__name__}: {exc}".strip()[:500]
    return {
        "monitor": "PostgreSQL database",
        "key": "database",
        "kind": "database",
        "check": "database_latency",
        "status": "fail",
        "ok": False,
        "latency_ms": None,
        "state": "down",
        "consecutive_failures": None,
        "detail": detail,
        "incident": None,
        "suppressed": False,
        "at": at.isoformat(),
    }
