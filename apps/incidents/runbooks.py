"""Which runbook covers an event code, an event or an incident. A runbook covers the codes listed
on it (editable in the admin); a code no runbook lists falls back to the catalog's runbook slug."""
from apps.events import codes as catalog
from apps.incidents.models import Runbook


def for_codes(codes) -> list[Runbook]:
    """The runbooks covering `codes`, in the order of the codes, each once."""
    books = list(Runbook.objects.all())
    by_slug = {book.slug: book for book in books}
    found = []
    for code in codes:
        listed = [book for book in books if code in (book.codes or [])]
        entry = catalog.get(code)
        fallback = [by_slug[entry.runbook]] if entry and entry.runbook in by_slug else []
        found += [book for book in (listed or fallback) if book not in found]
    return found


def for_code(code) -> Runbook | None:
    books = for_codes([code])
    return books[0] if books else None


def for_incident(incident) -> list[Runbook]:
    from apps.incidents.services.evidence import incident_codes

    return for_codes(incident_codes(incident))


def checks_for(incident) -> list[str]:
    """Every check the incident's runbooks name, in order, each once."""
    names = []
    for book in for_incident(incident):
        names += [name for name in book.checks if name not in names]
    return names
