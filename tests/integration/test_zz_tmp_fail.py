import pytest
pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
def test_fails(worker):
    worker.wait_for_ticks(1)
    assert False, "deliberate"
