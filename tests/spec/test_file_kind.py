"""A spec handed to `import` and a .properties file handed to `check` (issue 12 item 1) are
each told, in one line with exit 2, which command reads them; both are detected by content
first, then by name, and neither swallows a real spec's or a real properties file's errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mqcheck.cli import main
from mqcheck.spec.load import load_spec

SPEC = """\
# orders
mqcheck: 1
name: orders
kafka_version: "3.7"
topics: {orders: {}}
producers: {p: {topic: orders}}
consumers: {c: {topic: orders, group.id: g}}
"""


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


@pytest.mark.parametrize("name", ["spec.yaml", "spec.properties", "spec"])
def test_import_of_a_spec_says_to_check_it(tmp_path: Path, name: str) -> None:
    """By content: whatever the file is called, `mqcheck: 1` makes it a spec."""
    spec = tmp_path / name
    spec.write_text(SPEC)
    output = tmp_path / "out.yaml"
    code, message = _run("import", "--producer", str(spec), "-o", str(output))
    assert code == 2 and not output.exists()
    assert message.strip() == (
        f"{spec}:2:1: --producer: looks like an mqcheck spec (YAML), not a .properties file; "
        f"check it with `mqcheck check {spec}`"
    )


def test_import_names_every_misplaced_file_together(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    nested = tmp_path / "values.yml"
    nested.write_text("kafka:\n  producer:\n    acks: all\n")
    bad = tmp_path / "server.properties"
    bad.write_text("min.insync.replicas=two\n")
    code, message = _run(
        "import",
        *("--consumer", str(spec), "--producer", str(nested), "--broker", str(bad)),
        *("-o", str(tmp_path / "out.yaml")),
    )
    assert code == 2
    assert f"{spec}:2:1: --consumer: looks like an mqcheck spec (YAML)" in message
    assert f"{nested}: --producer: looks like a nested YAML document" in message
    assert f"{bad}:1:21: min.insync.replicas: not an integer" in message


def test_a_flat_yaml_file_is_a_valid_properties_file(tmp_path: Path) -> None:
    """`acks: all` is a .properties line too (':' separates key and value): Kafka would read
    it, so import does."""
    flat = tmp_path / "producer.yaml"
    flat.write_text("acks: all\nlinger.ms: 5\n")
    output = tmp_path / "out.yaml"
    code, message = _run("import", "--producer", str(flat), "-o", str(output))
    assert code == 0, message
    assert "    acks: all\n" in output.read_text("utf-8")


@pytest.mark.parametrize(
    ("name", "text", "command"),
    [
        ("producer.properties", "acks=all\nlinger.ms=5\n", "--producer {f} -o {d}/producer.yaml"),
        (
            "consumer.properties",
            "group.id=g\nauto.offset.reset=earliest\n# caf\xe9\n",  # Latin-1: not UTF-8
            "--consumer {f} -o {d}/consumer.yaml",
        ),
        ("server.properties", "broker.id=0\nmin.insync.replicas=2\n", "--broker {f} -o "),
        ("client.conf", "bootstrap.servers=k:9092\n", "--producer {f} -o {d}/client.yaml"),
        ("producer.yaml", "acks: all\nenable.idempotence: true\n", "-o {d}/producer-spec.yaml"),
        ("empty.properties", "# nothing set yet\n", "--producer {f} -o {d}/empty.yaml"),
    ],
)
def test_check_of_a_properties_file_suggests_import(
    tmp_path: Path, name: str, text: str, command: str
) -> None:
    source = tmp_path / name
    source.write_bytes(text.encode("latin-1"))
    code, message = _run("check", str(source))
    assert code == 2
    assert message.startswith(
        f"{source}: looks like a Kafka .properties file, not an mqcheck spec (YAML); turn it "
        "into a spec with `mqcheck import "
    ), message
    assert command.format(f=source, d=tmp_path) in message
    assert len(message.strip().splitlines()) == 1


def test_a_file_with_no_leading_scope_names_all_three_options(tmp_path: Path) -> None:
    source = tmp_path / "client.properties"
    source.write_text("bootstrap.servers=k:9092\n")  # a producer and a consumer property
    (error,) = load_spec(source).errors
    assert "(or --consumer / --broker: whichever client the file configures)" in error.message


@pytest.mark.parametrize(
    "text",
    [
        SPEC.replace('kafka_version: "3.7"', 'kafka_version: "9.9"'),  # a spec with an error
        "name: x\nacks: all\n",  # not a .properties file: `name` is no Kafka property
        "- mqcheck: 1\n",
    ],
)
def test_a_broken_spec_keeps_its_own_errors(tmp_path: Path, text: str) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(text)
    errors = load_spec(spec).errors
    assert errors and not any("properties" in error.message for error in errors)
