"""Writing a repair into the spec text: values replaced in place, missing keys inserted
where a person would put them, and every comment kept."""

from __future__ import annotations

import yaml

from mqcheck.review.repair.yaml_edit import edit

SPEC = """\
# header comment
mqcheck: 1
name: demo
description: >
  folded text
  on two lines
kafka_version: "3.7"
cluster: {brokers: 3}   # three nodes
topics:
  orders: {partitions: 1, replication.factor: 3,
           min.insync.replicas: 1}  # flow, two lines
producers:
  shop:
    topic: orders
    acks: 1            # the hazard
    app: {on_send_error: resend}
consumers:
  billing:
    topic: orders
    group.id: billing
    auto.offset.reset: 'latest'
    app:
      commit: after_processing
# faults follow
faults:
  broker_crash: 1
"""


def _data(text: str) -> object:
    return yaml.safe_load(text)


def test_a_value_is_replaced_in_place_keeping_the_comment() -> None:
    out = edit(SPEC, [(("producers", "shop", "acks"), "all")])
    assert out.kept_layout
    assert "    acks: all            # the hazard\n" in out.text
    assert out.text == SPEC.replace("acks: 1 ", "acks: all ")


def test_quote_style_is_kept() -> None:
    out = edit(SPEC, [(("consumers", "billing", "auto.offset.reset"), "earliest")])
    assert "auto.offset.reset: 'earliest'" in out.text


def test_flow_mapping_value_and_insertion() -> None:
    out = edit(
        SPEC,
        [
            (("topics", "orders", "min.insync.replicas"), 2),
            (("topics", "orders", "flush.messages"), 1),
        ],
    )
    assert "min.insync.replicas: 2, flush.messages: 1}  # flow, two lines" in out.text
    assert _data(out.text)["topics"]["orders"] == {  # type: ignore[index]
        "partitions": 1,
        "replication.factor": 3,
        "min.insync.replicas": 2,
        "flush.messages": 1,
    }


def test_a_client_key_goes_above_its_app_block() -> None:
    out = edit(SPEC, [(("producers", "shop", "enable.idempotence"), True)])
    assert "    acks: 1            # the hazard\n    enable.idempotence: true\n    app:" in out.text


def test_a_new_app_key_goes_into_the_existing_block_or_a_new_one() -> None:
    out = edit(
        SPEC,
        [
            (("consumers", "billing", "app", "idempotent"), True),
            (("producers", "shop", "app", "waits_for_result"), True),
        ],
    )
    assert "      commit: after_processing\n      idempotent: true\n# faults follow" in out.text
    assert "app: {on_send_error: resend, waits_for_result: true}" in out.text


def test_a_new_section_goes_after_the_one_before_it_in_the_spec_order() -> None:
    out = edit(SPEC, [(("broker", "eligible.leader.replicas.version"), 1)])
    assert (
        "cluster: {brokers: 3}   # three nodes\nbroker:\n  eligible.leader.replicas.version: 1\n"
        "topics:" in out.text
    )


def test_a_key_after_a_block_scalar() -> None:
    text = "mqcheck: 1\nname: x\ndescription: >\n  two\n  lines\ntopics: {}\n"
    out = edit(text, [(("kafka_version",), "3.7")])
    assert out.text == (
        'mqcheck: 1\nname: x\ndescription: >\n  two\n  lines\nkafka_version: "3.7"\ntopics: {}\n'
    )


def test_an_empty_value_becomes_a_mapping() -> None:
    text = "producers:\n  shop:\n    app:\n    acks: 1\n"
    out = edit(text, [(("producers", "shop", "app", "on_send_error"), "halt")])
    assert _data(out.text) == {"producers": {"shop": {"app": {"on_send_error": "halt"}, "acks": 1}}}


def test_every_comment_survives_many_edits() -> None:
    out = edit(
        SPEC,
        [
            (("producers", "shop", "acks"), "all"),
            (("faults", "broker_crash"), 0),
            (("consumers", "billing", "enable.auto.commit"), False),
        ],
    )
    comments = [line.split("#", 1)[1] for line in SPEC.splitlines() if "#" in line]
    assert all(c in out.text for c in comments)


def test_anchors_fall_back_to_a_dump() -> None:
    text = "base: &b {acks: 1}\nproducers:\n  shop: *b\n"
    out = edit(text, [(("producers", "shop", "acks"), "all")])
    assert not out.kept_layout
    assert _data(out.text) == {"base": {"acks": 1}, "producers": {"shop": {"acks": "all"}}}
