from kiosk.domain.words import count


def test_one_is_singular_and_the_rest_plural():
    assert count(1, "minute") == "1 minute"
    assert count(1.0, "minute") == "1 minute"
    assert count(0, "minute") == "0 minutes"
    assert count(2, "receipt") == "2 receipts"
    assert count(2, "person", "people") == "2 people"
    assert count(2.5, "minute") == "2.5 minutes"
