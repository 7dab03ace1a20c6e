def test_counter():
    count = 0

    def bump():
        nonlocal count
        count += 1
        return count

    assert bump() == 1
    assert bump() == 2
