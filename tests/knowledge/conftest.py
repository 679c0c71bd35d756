import pytest

from apps.knowledge import search
from tests.knowledge.search_fixtures import searchable_source


@pytest.fixture(autouse=True)
def _fresh_search_cache():
    """Search keeps project matrices and query vectors per process; each test starts without."""
    search.forget_cache()
    yield
    search.forget_cache()


@pytest.fixture
def hotel(tenant):
    """The tenant's project "hotel": ten conversations of the evaluation set, searchable."""
    return searchable_source(tenant, "hotel").project
