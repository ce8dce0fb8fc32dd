"""Text `import` writes into a spec reads back as itself: a YAML scalar is the same string, a
comment stays one comment line, and its escapes are the .properties escapes of the value."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from mqcheck.spec.properties_file import parse_properties
from mqcheck.spec.yaml_text import comment, escaped, lone_surrogate, yaml_scalar

#: Every code point, lone surrogates included (a Java string can hold them; hypothesis draws
#: them rarely on its own, hence the extra sample).
_ANY_TEXT = st.text(
    st.one_of(
        st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=()),
        st.sampled_from(["\ud800", "\udbff", "\udc00", "\udfff", "\x85", "\u2028", "\u2029"]),
    )
)
_WHOLE_TEXT = st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF))  # no surrogates


@settings(max_examples=300, deadline=None)
@given(_WHOLE_TEXT)
def test_a_scalar_reads_back_as_the_same_string(text: str) -> None:
    written = yaml_scalar(text)
    written.encode("utf-8")
    assert yaml.safe_load(f"k: {written}\n") == {"k": text}
    assert yaml.safe_load(f"a:\n  k: {written}  # note\n") == {"a": {"k": text}}


@settings(max_examples=300, deadline=None)
@given(_ANY_TEXT)
def test_a_comment_is_one_visible_line_whatever_it_holds(text: str) -> None:
    line = comment(text)
    line.encode("utf-8")  # no lone surrogate survives
    assert yaml.safe_load(f"{line}\nk: 1\n") == {"k": 1}
    assert yaml.safe_load(f"k: 1  {line}\n") == {"k": 1}
    assert line.isprintable()


@settings(max_examples=300, deadline=None)
@given(_ANY_TEXT.filter(lambda text: not text.startswith((" ", "\t", "\f"))))
def test_escapes_are_what_java_reads_back(text: str) -> None:
    """Properties.load skips the whitespace before a value, so a leading space is the one
    thing these escapes do not keep; everything else round-trips."""
    parsed = parse_properties(f"k={escaped(text)}")
    assert parsed.errors == ()
    value = parsed.properties[0].value
    joined = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
    assert value == joined


def test_lone_surrogate_finds_the_first() -> None:
    assert lone_surrogate("ab\udc00\ud800") == "\udc00"
    assert lone_surrogate("\U0001f600 é") is None


def test_yaml_line_breaks_and_controls_are_escaped() -> None:
    assert escaped("x\x85 y\u2028z\u2029\x00\t\\") == "x\\u0085 y\\u2028z\\u2029\\u0000\\t\\\\"
    assert escaped("\U0001f600\u202e") == "\U0001f600\\u202e"  # bidi override: not shown raw
    assert yaml_scalar("t\u2028x") == '"t\\u2028x"'
    assert yaml_scalar("plain") == "plain"
