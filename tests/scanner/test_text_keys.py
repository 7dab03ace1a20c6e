"""A text unit's exact key says "same code" as the digest does: what a file check matches a paste by.

The check index lists the definitions the scan did not parse by this key, so a file check finds a
paste of one by its text; where the key and the digest disagree, the file check reported a copy the
whole tree does not (django: a test class pasted without its ``@skipUnlessDBFeature``; attrs: a class
pasted with one method renamed).
"""

from __future__ import annotations

from ssot.scanner.textual import index_text

BODY = "    def test_invalid_value(self):\n        assert compute_the_value(1, 'a') == 2\n"


def key(text: str, k: int = 0) -> int:
    return index_text(text.encode()).units[k].exact


def test_the_definition_s_own_name_and_its_literals_are_left_out() -> None:
    assert key("class JSONFieldTests(TestCase):\n" + BODY) == key("class OtherName(TestCase):\n" + BODY)
    assert key("class A(TestCase):\n" + BODY) == key("class A(TestCase):\n" + BODY.replace("'a'", "'b'"))


def test_the_names_of_definitions_inside_it_count() -> None:
    renamed = BODY.replace("test_invalid_value", "test_renamed")
    assert key("class A(TestCase):\n" + BODY) != key("class A(TestCase):\n" + renamed)
    assert key("class A(TestCase):\n" + BODY, 1) == key("class A(TestCase):\n" + renamed, 1)  # the method's own


def test_its_decorators_count_a_multi_line_one_whole() -> None:
    plain = "class A(TestCase):\n" + BODY
    assert key('@skipUnlessDBFeature("supports_json_field")\n' + plain) != key(plain)
    multi = '@setup(\n    {"verbatim-tag01": "{% verbatim %}"},\n)\n' + plain
    assert key(multi) != key(plain)
    assert key("value = compute_something(1)\n" + multi) == key(multi)  # what comes before does not
    assert key(multi.replace("verbatim-tag01", "other-tag")) == key(multi)  # (literals are blanked)
