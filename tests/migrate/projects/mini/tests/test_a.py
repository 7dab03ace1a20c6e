from pkg import InvalidURL


class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def norm(self):
        return abs(self.x) + abs(self.y)


def test_point(number):
    assert Point(number, -1).norm() == 4


def test_error():
    assert str(InvalidURL("bad")) == "bad"


class Box:
    def __init__(self, item):
        self.item = item

    def open(self):
        return self.item

    def empty(self):
        item, self.item = self.item, None
        return item


def test_box():
    assert Box(1).open() == 1
