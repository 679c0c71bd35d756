"""deploy/: the Prometheus alert rules and the Grafana dashboard parse, name only metrics /metrics
exposes, and the dashboard shows every metric family. promtool checks and unit-tests the rules
where it is installed (Debian: apt-get install prometheus)."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from apps.core import metrics_prometheus as prom
from tests.observability.scrape import scrape

DEPLOY = Path(__file__).resolve().parent.parent.parent / "deploy"
ALERTS = DEPLOY / "prometheus" / "alerts.yml"
DASHBOARD = DEPLOY / "grafana" / "opsdesk.json"
NAME = re.compile(r"\bopsdesk_[a-z0-9_]+")
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}


@pytest.fixture
def exposed(client, db):
    """Every sample name /metrics can expose, by family."""
    families = {metric.name: metric.type for metric in prom.REGISTRY.collect()}
    families.update({name: family.type for name, family in scrape(client).families.items()})
    return {name: {name + suffix for suffix in SUFFIXES[kind]} for name, kind in families.items()}


def expressions_of_rules():
    groups = yaml.safe_load(ALERTS.read_text())["groups"]
    return [rule["expr"] for group in groups for rule in group["rules"]]


def expressions_of_panels():
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [target["expr"] for panel in panels for target in panel.get("targets", [])]


def test_alert_rules_name_only_exposed_metrics(exposed):
    samples = set().union(*exposed.values())
    used = {name for expr in expressions_of_rules() for name in NAME.findall(expr)}
    assert used and used <= samples, used - samples


def test_every_rule_has_a_severity_and_a_summary():
    for group in yaml.safe_load(ALERTS.read_text())["groups"]:
        for rule in group["rules"]:
            assert rule["labels"]["severity"] in ("warning", "critical") and rule["annotations"]["summary"]


def test_the_dashboard_has_a_panel_for_every_metric_family(exposed):
    used = {name for expr in expressions_of_panels() for name in NAME.findall(expr)}
    samples = set().union(*exposed.values())
    assert used <= samples, used - samples
    missing = [
        family for family, names in exposed.items() if not names & used and not family.startswith("opsdesk_test")
    ]
    assert missing == []


def test_the_dashboard_is_importable_json_with_a_datasource_variable():
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] and dashboard["title"] == "Opsdesk"
    assert [v["type"] for v in dashboard["templating"]["list"]] == ["datasource"]
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))


@pytest.mark.skipif(not shutil.which("promtool"), reason="promtool is not installed (apt-get install prometheus)")
@pytest.mark.parametrize(
    "command",
    [
        ["check", "rules", "alerts.yml"],
        ["test", "rules", "alerts_test.yml"],
        ["check", "config", "--syntax-only", "prometheus.yml"],
    ],
)
def test_promtool_accepts_the_rules_their_unit_tests_and_the_scrape_config(command):
    result = subprocess.run(["promtool", *command], cwd=DEPLOY / "prometheus", capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
