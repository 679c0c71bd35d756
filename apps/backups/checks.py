"""The restore drill's verdicts: pure comparisons of what the manifest promised with what the
restored copy holds. Each returns a Verdict; the drill passes when every verdict is ok."""

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Verdict:
    name: str
    ok: bool
    detail: str

    def as_dict(self) -> dict:
        return asdict(self)


def checksum(expected, actual) -> Verdict:
    if expected == actual:
        return Verdict("checksum", True, f"SHA-256 {actual} matches the manifest")
    return Verdict("checksum", False, f"SHA-256 is {actual}, the manifest says {expected}: the file changed")


def row_counts(expected: dict, actual: dict) -> Verdict:
    wrong = [
        f"{table}: {actual.get(table, 'missing')} restored, {count} in the manifest"
        for table, count in sorted(expected.items())
        if actual.get(table) != count
    ]
    if wrong:
        return Verdict("row_counts", False, "; ".join(wrong))
    total = sum(expected.values())
    return Verdict("row_counts", True, f"{len(expected)} key tables, {total:,} rows, as in the manifest")


def rpo(manifest: dict, restored_newest: dict, now: datetime, limit: timedelta) -> Verdict:
    """The copy must hold a row younger than the RPO. When nothing that young existed at backup time
    (a quiet or empty database), the backup's own age is what is checked, and the detail says so."""
    newest = _newest(restored_newest)
    hours = limit.total_seconds() / 3600
    if newest is not None and now - newest <= limit:
        return Verdict("rpo", True, f"newest row {_age(now - newest)} old (RPO {hours:g} h)")
    if _newest(manifest.get("newest_rows", {})) != newest:
        return Verdict("rpo", False, f"the restored copy's newest row ({_stamp(newest)}) is not the manifest's")
    taken = datetime.fromisoformat(manifest["created_at"])
    what = f"newest row {_stamp(newest)}" if newest else "no event or inbound rows at all"
    if now - taken <= limit:
        return Verdict("rpo", True, f"{what} (nothing newer existed); the backup itself is {_age(now - taken)} old")
    return Verdict("rpo", False, f"{what}; the backup is {_age(now - taken)} old, over the RPO of {hours:g} h")


def migrations(expected: dict, actual: dict) -> Verdict:
    wrong = [
        f"{app}: {actual.get(app, 'none')} restored, {name} expected"
        for app, name in sorted(expected.items())
        if actual.get(app) != name
    ]
    if wrong:
        return Verdict("migrations", False, "; ".join(wrong))
    return Verdict("migrations", True, f"latest migration of {len(expected)} apps as in the manifest")


def foreign_keys(orphans: dict) -> Verdict:
    bad = {join: count for join, count in orphans.items() if count}
    if bad:
        return Verdict("foreign_keys", False, "; ".join(f"{join}: {count} orphan(s)" for join, count in bad.items()))
    return Verdict("foreign_keys", True, f"{len(orphans)} joins, no orphan")


def rls(expected, actual) -> Verdict:
    if expected is None:
        return Verdict("rls", True, "skipped: the source has no row-level security (SQLite)")
    if expected == 0:
        return Verdict("rls", True, "skipped: the source has no table with FORCE ROW LEVEL SECURITY")
    if actual == expected:
        return Verdict("rls", True, f"{actual} tables with forced row-level security and policies, as the source")
    return Verdict("rls", False, f"{actual} tables with forced row-level security restored, the source had {expected}")


def first_failure(verdicts) -> str:
    return next((verdict.name for verdict in verdicts if not verdict.ok), "")


def _newest(rows: dict):
    stamps = [datetime.fromisoformat(value) for value in rows.values() if value]
    return max(stamps) if stamps else None


def _stamp(moment) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "none"


def _age(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.1f} h" if hours >= 1 else f"{int(delta.total_seconds() // 60)} min"
