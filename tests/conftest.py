import pytest


@pytest.fixture(scope="session")
def digits_run():
    """The acceptance run of the learning issue (seed 0, default settings), trained once per session and shared by
    tests/learn and tests/deploy."""
    from lifhw.learn import digits

    return digits.run(digits.DigitsConfig())
