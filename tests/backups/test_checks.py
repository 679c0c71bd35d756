"""The drill's verdicts, decided from the manifest and what the restored copy holds."""

from datetime import UTC, datetime, timedelta

from apps.backups import checks

NOW = datetime(2026, 12, 3, 12, tzinfo=UTC)
RPO = timedelta(hours=26)


def manifest(taken_hours_ago, newest_hours_ago):
    newest = None if newest_hours_ago is None else (NOW - timedelta(hours=newest_hours_ago)).isoformat()
    return {
        "created_at": (NOW - timedelta(hours=taken_hours_ago)).isoformat(),
        "newest_rows": {"events_systemevent": newest, "integrations_inboundevent": None},
    }


def test_rpo_holds_when_the_newest_row_is_younger_than_26_hours():
    found = manifest(2, 3)
    verdict = checks.rpo(found, found["newest_rows"], NOW, RPO)
    assert verdict.ok and "newest row 3.0 h old" in verdict.detail


def test_a_quiet_database_is_judged_by_the_backups_age_and_says_so():
    found = manifest(5, 100)
    verdict = checks.rpo(found, found["newest_rows"], NOW, RPO)
    assert verdict.ok and "nothing newer existed" in verdict.detail and "5.0 h old" in verdict.detail


def test_an_empty_database_says_what_was_checked():
    found = manifest(1, None)
    verdict = checks.rpo(found, found["newest_rows"], NOW, RPO)
    assert verdict.ok and "no event or inbound rows at all" in verdict.detail


def test_an_old_backup_breaks_the_rpo():
    found = manifest(30, 31)
    verdict = checks.rpo(found, found["newest_rows"], NOW, RPO)
    assert not verdict.ok and "over the RPO of 26 h" in verdict.detail


def test_a_copy_missing_the_newest_rows_breaks_the_rpo():
    found = manifest(30, 29)
    restored = {"events_systemevent": (NOW - timedelta(hours=40)).isoformat()}
    assert not checks.rpo(found, restored, NOW, RPO).ok


def test_row_counts_name_every_table_that_differs():
    verdict = checks.row_counts(
        {"tenants_tenant": 2, "events_systemevent": 5}, {"tenants_tenant": 2, "events_systemevent": 4}
    )
    assert not verdict.ok and verdict.detail == "events_systemevent: 4 restored, 5 in the manifest"


def test_migrations_orphans_and_rls():
    assert not checks.migrations({"events": "0012_x"}, {"events": "0011_y"}).ok
    assert checks.migrations({"events": "0012_x"}, {"events": "0012_x"}).ok
    assert "2 orphan" in checks.foreign_keys({"a.b -> c": 2, "d.e -> f": 0}).detail
    assert checks.rls(None, None).detail.startswith("skipped")
    assert checks.rls(0, 0).detail.startswith("skipped")
    assert not checks.rls(30, 0).ok and checks.rls(30, 30).ok


def test_the_first_failing_check_is_named():
    verdicts = [
        checks.Verdict("checksum", True, ""),
        checks.Verdict("row_counts", False, ""),
        checks.Verdict("rls", False, ""),
    ]
    assert checks.first_failure(verdicts) == "row_counts"
