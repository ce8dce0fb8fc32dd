"""The inputs issue 19's fuzzing found reaching an internal error (exit 4) or slipping through:
each is now an error with its position (exit 2), or, for `import`, an escaped comment."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from mqcheck.cli import main
from mqcheck.spec.load import MAX_SPEC_BYTES, load_spec, load_spec_data, load_spec_text
from tests.strategies import HUGE_INTEGER, SPECS_DIR

BASE = (SPECS_DIR / "acks1-leader-failover.yaml").read_text(encoding="utf-8")


def _errors(text: str) -> list[str]:
    result = load_spec_text(text, "s.yaml")
    assert result.spec is None
    return [error.format() for error in result.errors]


def _one(text: str) -> str:
    errors = _errors(text)
    assert len(errors) == 1, errors
    return errors[0]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "acks: 1",
            "acks: " + HUGE_INTEGER,
            "s.yaml:27:11: producers.web.acks: invalid acks; expected one of all, -1, 0, 1; "
            "found an integer of 5001 digits (100000000000...)",
        ),
        (
            "brokers: 2",
            "brokers: " + HUGE_INTEGER,
            "s.yaml:20:20: cluster.brokers: out of range for a Java int; expected a number from "
            "-2147483648 to 2147483647; found an integer of 5001 digits (100000000000...)",
        ),
        (
            "broker_crash: 1",
            "broker_crash: 0x" + "f" * 5000,
            "s.yaml:39:17: faults.broker_crash: out of range for a Java int; expected a number "
            "from -2147483648 to 2147483647; found an integer of about 6021 digits",
        ),
        (
            "mqcheck: 1",
            "mqcheck: -" + HUGE_INTEGER,
            "s.yaml:12:10: mqcheck: unsupported format version; expected 1; "
            "found an integer of 5001 digits (-10000000000...)",
        ),
    ],
)
def test_an_integer_past_pythons_digit_limit_is_an_error_with_its_position(
    old: str, new: str, expected: str
) -> None:
    assert old in BASE
    assert _one(BASE.replace(old, new, 1)) == expected


def test_a_huge_integer_as_text_and_in_data_is_an_error() -> None:
    quoted = BASE.replace("acks: 1", f'retries: "{HUGE_INTEGER}"\n    acks: 1', 1)
    assert "producers.web.retries: out of range for a Java int" in _one(quoted)
    data = yaml.safe_load(BASE)
    data["cluster"]["brokers"] = int(HUGE_INTEGER[:4000])
    data["name"] = int(HUGE_INTEGER[:4000]) * 10**1000  # built without str(): no limit
    result = load_spec_data(data)
    assert [e.key_path for e in result.errors] == ["cluster.brokers"]  # a number is a name


@pytest.mark.parametrize(
    ("value", "tag"),
    [
        ("!!bool maybe", "!!bool"),  # PyYAML: KeyError in construct_yaml_bool
        ("!!timestamp not-a-date", "!!timestamp"),  # AttributeError in construct_yaml_timestamp
        ("!!binary aGVsbG8=", "!!binary"),
        ("!!int 1", "!!int"),
        ("!!python/name:os.system ''", "!!python/name:os.system"),
        ("!foo 1", "!foo"),
    ],
)
def test_an_explicit_tag_on_a_value_is_refused(value: str, tag: str) -> None:
    """The tag is reported; the value is then read as the text after it, so an invalid text
    is reported too (two true statements about one position)."""
    errors = _errors(BASE.replace("acks: 1", f"acks: {value}", 1))
    assert (
        f"s.yaml:27:11: producers.web.acks: the YAML tag {tag} is not used by the spec format; "
        "expected a value without a tag (quote it, or write !!str, to force a string)"
    ) in errors
    assert all(error.startswith("s.yaml:27:11: producers.web.acks: ") for error in errors)


@pytest.mark.parametrize("node", ["!foo {brokers: 2}", "!!map {brokers: 2}", "!foo [2]"])
def test_a_tag_on_a_mapping_or_list_is_refused(node: str) -> None:
    errors = _errors(BASE.replace("{brokers: 2}", node, 1))
    assert any(error.startswith("s.yaml:20:10: cluster: the YAML tag !") for error in errors)


def test_str_and_the_non_specific_tag_are_accepted() -> None:
    text = BASE.replace("name: acks1-leader-failover", "name: !!str 2024", 1)
    spec = load_spec_text(text.replace("group.id: indexer", "group.id: ! 7", 1)).spec
    assert spec is not None and spec.name == "2024"
    assert spec.consumers["indexer"].group_id == "7"


def test_a_lone_surrogate_escape_is_refused() -> None:
    message = _one(BASE.replace("name: acks1-leader-failover", 'name: "a\\ud800"', 1))
    assert message.startswith(
        "s.yaml:13:7: name: not Unicode text: U+D800 is half of a UTF-16 surrogate pair"
    )


def test_a_spec_over_the_size_limit_is_refused_unparsed(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text(BASE + "# " + "x" * MAX_SPEC_BYTES + "\n", encoding="utf-8")
    errors = load_spec(big).errors
    assert len(errors) == 1 and errors[0].line is None
    assert "over the 262,144 bytes (256 KiB) a spec may have" in errors[0].message
    just_under = tmp_path / "under.yaml"
    just_under.write_text(BASE + "#" * (MAX_SPEC_BYTES - len(BASE) - 1) + "\n")
    assert load_spec(just_under).errors == ()
    assert "256 KiB" in load_spec_text(big.read_text()).errors[0].message


def test_cli_check_of_a_tagged_section_exits_2_with_the_position(tmp_path: Path) -> None:
    spec = tmp_path / "tagged.yaml"
    spec.write_text(BASE.replace("{brokers: 2}", "!foo {brokers: 2}", 1), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(spec), "--max-states", "10"])
    assert result.exit_code == 2
    assert f"{spec}:20:10: cluster: the YAML tag !foo" in result.output


# --- import ----------------------------------------------------------------------------------


def _import(tmp_path: Path, data: bytes) -> tuple[int, str, str]:
    source = tmp_path / "p.properties"
    source.write_bytes(data)
    output = tmp_path / "out.yaml"
    output.unlink(missing_ok=True)
    result = CliRunner().invoke(
        main, ["import", "--producer", str(source), "--topic", "t", "-o", str(output)]
    )
    written = output.read_text(encoding="utf-8") if output.exists() else ""
    return result.exit_code, result.output, written


def test_a_yaml_line_break_in_a_value_cannot_become_a_key(tmp_path: Path) -> None:
    """Issue 19's example: U+0085 ended the comment and `retries: 0` became live YAML."""
    code, _, text = _import(tmp_path, b"zzz=x\x85    retries: 0 #\n")
    assert code == 0
    assert "    # not placed: zzz=x\\u0085    retries: 0 # (not a Kafka producer property" in text
    spec = load_spec_text(text).spec
    assert spec is not None and "retries" not in yaml.safe_load(text)["producers"]["producer"]


@pytest.mark.parametrize("separator", ["\\u2028", "\\u2029", "\\u0085", "\\r", "\\n", "\\u0000"])
def test_every_line_break_in_a_comment_is_escaped(tmp_path: Path, separator: str) -> None:
    code, _, text = _import(tmp_path, f"zzz=a{separator}acks: 0\n".encode("latin-1"))
    assert code == 0
    assert f"# not placed: zzz=a{separator}acks: 0 (" in text
    assert "acks" not in yaml.safe_load(text)["producers"]["producer"]


def test_a_placed_string_keeps_its_characters(tmp_path: Path) -> None:
    code, _, text = _import(tmp_path, b"transactional.id=t\\u2028x\\uD83D\\uDE00\xe9\n")
    assert code == 0
    assert '    transactional.id: "t\\u2028x\U0001f600\u00e9"' in text
    spec = load_spec_text(text).spec
    assert spec is not None
    assert spec.producers["producer"].transactional_id == "t\u2028x\U0001f600\u00e9"


def test_a_lone_surrogate_is_not_placed_and_names_its_line(tmp_path: Path) -> None:
    """Java accepts `\\ud800`; no UTF-8 file can hold it (this was a UnicodeEncodeError and a
    0-byte output file)."""
    code, _, text = _import(tmp_path, b"acks=all\nclient.id=a\\ud800b\n")
    assert code == 0
    assert (
        "# not placed: client.id=a\\ud800b (line 2: U+D800 is half of a UTF-16 surrogate pair"
        in text
    )


def test_a_huge_integer_is_refused_at_its_line(tmp_path: Path) -> None:
    """Kafka's Integer.parseInt refuses it; the message says how long it is, not all of it."""
    code, output, text = _import(tmp_path, f"acks=all\nretries={HUGE_INTEGER}\n".encode())
    assert code == 2 and text == "" and not (tmp_path / "out.yaml").exists()
    assert "p.properties:2:9: retries: out of range for a Java int" in output
    assert "found the string '100000000000" in output  # cut to 60 characters
    assert HUGE_INTEGER not in output


@pytest.mark.parametrize("value", [HUGE_INTEGER, "2001-13-45"])
def test_a_string_that_pyyaml_cannot_build_as_plain_is_quoted(tmp_path: Path, value: str) -> None:
    """A 5,000-digit transactional.id made yaml_scalar's plain-or-quoted probe raise."""
    code, _, text = _import(tmp_path, f"transactional.id={value}\n".encode())
    assert code == 0 and f'    transactional.id: "{value}"' in text
    spec = load_spec_text(text).spec
    assert spec is not None and spec.producers["producer"].transactional_id == value


def test_a_malformed_escape_writes_no_file(tmp_path: Path) -> None:
    code, output, text = _import(tmp_path, b"acks=all\nretries=\\u12\n")
    assert code == 2 and "p.properties:2: Malformed \\uxxxx encoding." in output
    assert not (tmp_path / "out.yaml").exists() and text == ""


def test_a_long_client_id_gives_a_short_name(tmp_path: Path) -> None:
    """The name is a YAML key, and YAML refuses an implicit key over 1,024 characters."""
    code, _, text = _import(tmp_path, f"client.id={HUGE_INTEGER}\n".encode())
    assert code == 0
    spec = load_spec_text(text).spec
    assert spec is not None and list(spec.producers) == [HUGE_INTEGER[:100]]


@pytest.mark.parametrize(("value", "brokers"), [("5", 5), ("-4", 3), ("40000", 3)])
def test_the_broker_count_reads_default_replication_factor_as_kafka_does(
    tmp_path: Path, value: str, brokers: int
) -> None:
    """A valid int that cannot be a replica count (below 1, above a Java short) gives the
    suggested minimum of 3."""
    source = tmp_path / "server.properties"
    source.write_bytes(f"default.replication.factor={value}\n".encode("latin-1"))
    output = tmp_path / "out.yaml"
    CliRunner().invoke(main, ["import", "--broker", str(source), "-o", str(output)])
    assert f"  brokers: {brokers}  # not in .properties files" in output.read_text("utf-8")


@pytest.mark.parametrize("value", ["1_000", "\u0663", HUGE_INTEGER, "3.0"])
def test_a_replication_factor_kafka_cannot_parse_is_refused(tmp_path: Path, value: str) -> None:
    """Python's int() reads `1_000` as 1000 and Arabic-Indic digits as numbers; Kafka's
    Integer.parseInt does not, so the broker would not start: exit 2, nothing written."""
    source = tmp_path / "server.properties"
    source.write_bytes(
        f"default.replication.factor={value}\n".encode("latin-1", "backslashreplace")
    )
    output = tmp_path / "out.yaml"
    result = CliRunner().invoke(main, ["import", "--broker", str(source), "-o", str(output)])
    assert result.exit_code == 2 and not output.exists()
    why = "out of range for a Java int" if value == HUGE_INTEGER else "not an integer"
    assert f"{source}:1:28: default.replication.factor: {why}" in result.output


def test_an_import_too_large_to_check_is_refused_before_writing(tmp_path: Path) -> None:
    lines = "".join(f"unknown.key.{i}=\\u0085\\u0085\\u0085\\u0085\n" for i in range(6000))
    code, output, text = _import(tmp_path, lines.encode())
    assert code == 2 and "bytes a spec may have" in output
    assert not (tmp_path / "out.yaml").exists() and text == ""


def test_a_spec_name_with_a_nul_character_is_checked_like_any_other(tmp_path: Path) -> None:
    """The slow fuzz run found `name: "x\\0y"` reaching Python's compile() through the name
    of the generated module (ValueError, exit 4); the name is only a label."""
    text = (SPECS_DIR / "acks1-leader-failover.yaml").read_text()
    spec = tmp_path / "nul.yaml"
    spec.write_text(text.replace("name: acks1-leader-failover", 'name: "x\\0y"'))
    assert '"x\\0y"' in spec.read_text()
    for output_format in ("text", "json"):
        result = CliRunner().invoke(main, ["check", str(spec), "--format", output_format])
        assert result.exit_code == 0, result.output
        assert "internal error" not in result.output
