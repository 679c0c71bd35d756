"""Reading /metrics as Prometheus does: prometheus_client's own parser over the text format."""

from prometheus_client.parser import text_string_to_metric_families

LOCAL = {"REMOTE_ADDR": "127.0.0.1"}


def scrape(client, **headers) -> "Scrape":
    response = client.get("/metrics", **{**LOCAL, **headers})
    assert response.status_code == 200, response.content
    return Scrape(response.content.decode())


class Scrape:
    def __init__(self, text):
        self.text = text
        self.families = {family.name: family for family in text_string_to_metric_families(text)}

    def value(self, sample_name, **labels) -> float:
        """The sum of the samples of that name whose labels include `labels` (0 when there is none)."""
        return sum(
            sample.value
            for family in self.families.values()
            for sample in family.samples
            if sample.name == sample_name and labels.items() <= sample.labels.items()
        )

    def samples(self, sample_name):
        return [s for family in self.families.values() for s in family.samples if s.name == sample_name]


def grew(before: Scrape, after: Scrape, sample_name, **labels) -> float:
    return after.value(sample_name, **labels) - before.value(sample_name, **labels)
