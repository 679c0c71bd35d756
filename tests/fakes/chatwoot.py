"""Chatwoot's health endpoint as a Rails app answers it: `GET /rails/health` is 200 with Rails'
green HTML page when the app booted, 500 with an error page when it raises (database or Redis
behind it gone), 502/503 from its proxy when the app is down, or no answer at all."""

from tests.fakes.server import FakeServer, Reply

HTML = {"Content-Type": "text/html; charset=utf-8"}
UP = Reply(200, '<!DOCTYPE html><html><body style="background-color: green"></body></html>', HTML)
DOWN = Reply(500, '<!DOCTYPE html><html><body style="background-color: red"></body></html>', HTML)
BAD_GATEWAY = Reply(502, "<html><body><h1>502 Bad Gateway</h1></body></html>", HTML)


def silent(seconds):
    return Reply(200, UP.body, HTML, delay=seconds)


class FakeChatwoot(FakeServer):
    HEALTH = "/rails/health"

    def __init__(self):
        super().__init__()
        self.up()

    def up(self):
        self.route("GET", self.HEALTH, UP)

    def down(self, reply=DOWN):
        self.route("GET", self.HEALTH, reply)

    def health_script(self, *replies):
        """The next health requests get these replies in order; the last repeats."""
        self.queue("GET", self.HEALTH, *replies)

    @property
    def health_requests(self):
        return self.requests_to(self.HEALTH)
