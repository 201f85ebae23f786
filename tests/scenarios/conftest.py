import pytest

from lifhw.scenarios import SCENARIOS


@pytest.fixture(scope="session")
def default_results():
    """Every scenario run once at its defaults, shared by the tests of this folder."""
    return {name: scenario() for name, scenario in SCENARIOS.items()}
