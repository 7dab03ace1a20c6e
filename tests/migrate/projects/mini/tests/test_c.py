def test_counter():
    count = 0

    def bump(step=1):
        nonlocal count
        if step < 0:
            raise ValueError("step must not be negative")
        count += step
        if count > 1000:
            raise OverflowError("counted too far")
        return count

    assert bump() == 1
    assert bump() == 2
