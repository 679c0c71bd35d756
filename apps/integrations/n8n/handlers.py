from apps.integrations import automation
from apps.integrations.handlers import handles


@handles("n8n", "run_finished")
def run_finished(event):
    automation.finish(event)
