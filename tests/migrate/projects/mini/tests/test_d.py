def test_counter_by_two():
    count = 0

    def bump(step=1):
        nonlocal count
        if step < 0:
            raise ValueError("step must not be negative")
        count += step
        if count > 1000:
            raise OverflowError("counted too far")
        return count

    assert bump(2) == 2
    assert bump(0) == 2
