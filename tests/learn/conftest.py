import pytest


@pytest.fixture(scope="session")
def digits_run():
    """The acceptance run (seed 0, default settings), trained once per session."""
    from lifhw.learn import digits

    return digits.run(digits.DigitsConfig())
