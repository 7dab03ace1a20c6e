import pytest


@pytest.fixture
def number():
    return 3
