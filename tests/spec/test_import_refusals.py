"""`import` refuses a value Kafka refuses (issue 12 item 1): exit 2 at the value's
file:line:column with the key, what was expected and a did-you-mean, every problem of every
file at once, and nothing written. Before, `acks=al` became a comment and the spec was checked
with Kafka's default, `acks=all`: a verdict about a safer configuration than the team's."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mqcheck.cli import main
from mqcheck.spec.properties_import import import_spec


def _import(tmp_path: Path, **files: str) -> tuple[int, str, Path]:
    """Run `mqcheck import --<kind> <kind>.properties ... -o out.yaml` on the given texts."""
    args = ["import"]
    for kind, text in files.items():
        source = tmp_path / f"{kind}.properties"
        source.write_text(text, encoding="latin-1")
        args += [f"--{kind}", str(source)]
    output = tmp_path / "out.yaml"
    result = CliRunner().invoke(main, [*args, "--topic", "orders", "-o", str(output)])
    return result.exit_code, result.output, output


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        (
            "producer",
            "bootstrap.servers=k:9092\nclient.id=checkout\nacks=al\n",
            "producer.properties:3:6: acks: invalid value; expected one of all, -1, 0, 1; "
            "found the string 'al'; did you mean 'all'?",
        ),
        (
            "broker",
            "broker.id=0\nmin.insync.replicas=two\n",
            "broker.properties:2:21: min.insync.replicas: not an integer; expected an integer; "
            "found the string 'two'",
        ),
        (
            "producer",
            "enable.idempotence=ture\n",
            "producer.properties:1:20: enable.idempotence: not a boolean; expected true or false; "
            "found the string 'ture'; did you mean 'true'?",
        ),
        (
            "producer",
            "retries = 2147483648\n",
            "producer.properties:1:11: retries: out of range for a Java int; expected a number "
            "from -2147483648 to 2147483647; found 2147483648",
        ),
        (
            "consumer",
            "group.id=billing\nauto.offset.reset=earlist\n",
            "consumer.properties:2:19: auto.offset.reset: invalid value; expected one of latest, "
            "earliest, none; found the string 'earlist'; did you mean 'earliest'?",
        ),
        (
            "consumer",
            "isolation.level=read_comitted\n",
            "consumer.properties:1:17: isolation.level: invalid value; expected one of "
            "read_uncommitted, read_committed; found the string 'read_comitted'; did you mean "
            "'read_committed'?",
        ),
        (
            "broker",
            "min.insync.replicas=0\n",
            'broker.properties:1:21: min.insync.replicas: Kafka refuses this value: "Invalid '
            'value 0 for configuration min.insync.replicas: Value must be at least 1"; expected '
            "at least 1",
        ),
        (
            "consumer",
            "max.poll.records=abc\n",  # not modelled, and still refused: Kafka does not start
            "consumer.properties:1:18: max.poll.records: not an integer",
        ),
        (
            "producer",
            "acks=\\\n   al\n",  # on the continuation line that holds it
            "producer.properties:2:4: acks: invalid value",
        ),
    ],
)
def test_a_value_kafka_refuses_exits_2_at_its_position(
    tmp_path: Path, kind: str, text: str, message: str
) -> None:
    code, output, written = _import(tmp_path, **{kind: text})
    assert code == 2, output
    assert f"{tmp_path}/{message}" in output
    assert not written.exists()


def test_every_problem_of_every_file_is_reported_together(tmp_path: Path) -> None:
    code, output, written = _import(
        tmp_path,
        producer="acks=al\nenable.idempotence=ture\nlinger.ms=5\n",
        broker="min.insync.replicas=two\nlog.dirs=\\u12\n",  # a malformed escape too
        consumer="auto.offset.reset=earlist\nisolation.level=read_comitted\n",
    )
    assert code == 2 and not written.exists()
    where = [line.split(": ", 1)[0].removeprefix(f"{tmp_path}/") for line in output.splitlines()]
    assert where == [
        "producer.properties:1:6",
        "producer.properties:2:20",
        "broker.properties:1:21",
        "broker.properties:2",
        "consumer.properties:1:19",
        "consumer.properties:2:17",
    ]


def test_only_the_value_kafka_uses_is_checked(tmp_path: Path) -> None:
    """Kafka keeps the last of a duplicated key: an earlier typo is overridden, not refused."""
    code, output, written = _import(tmp_path, producer="acks=al\nacks=all\n")
    assert code == 0, output
    text = written.read_text("utf-8")
    assert "# not placed: acks=al (given again later; Kafka uses the last)" in text
    assert "    acks: all\n" in text


def test_what_is_checked_follows_the_kafka_version(tmp_path: Path) -> None:
    """A property the version does not have is one its clients ignore (with a warning), so
    its value is not Kafka's to refuse there: delivery.timeout.ms arrived in 2.1 (KIP-91)."""
    source = tmp_path / "p.properties"
    source.write_text("delivery.timeout.ms=soon\n")

    def run(version: str) -> tuple[str, ...]:
        result = import_spec(
            producer=str(source),
            broker=None,
            consumer=None,
            topics=["t"],
            output="t.yaml",
            kafka_version=version,
        )
        return tuple(problem.format() for problem in result.problems)

    assert run("2.0") == ()
    assert run("2.1") == (
        f"{source}:1:21: delivery.timeout.ms: not an integer; expected an "
        "integer; found the string 'soon'",
    )


def test_a_valid_file_still_imports(tmp_path: Path) -> None:
    code, output, written = _import(
        tmp_path,
        producer="acks=-1\nenable.idempotence=TRUE\nretries=2147483647\n",
        consumer="auto.offset.reset=earliest \nisolation.level=read_committed\n",
        broker="min.insync.replicas=2\n",
    )
    assert code == 0, output
    text = written.read_text("utf-8")
    assert '    acks: "-1"\n' in text and "    enable.idempotence: true\n" in text
    assert "    auto.offset.reset: earliest\n" in text  # Kafka trims: so does the import
