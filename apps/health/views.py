from django.shortcuts import render
from django.views.decorators.cache import cache_control

from apps.health import status
from apps.incidents.public import public_incidents


@cache_control(max_age=30, public=True)
def status_page(request):
    """The public status page: no login, no tenant names, no internals."""
    return render(request, "health/status.html", {**status.page(), "incidents": public_incidents()})
