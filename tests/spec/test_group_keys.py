"""The group keys of contract §1.1 as the loader reads them: group.protocol,
partition.assignment.strategy, group.instance.id, app.on_revoke and the two group faults."""

from __future__ import annotations

from typing import Any

from mqcheck.spec.errors import format_errors
from mqcheck.spec.load import load_spec_text
from mqcheck.spec.schema import Spec

from .minimal import as_yaml, spec_data

COOPERATIVE = "org.apache.kafka.clients.consumer.CooperativeStickyAssignor"


def _load(version: str = "3.7", **consumer: Any) -> tuple[Spec | None, str]:
    consumers = {"billing": {"topic": "orders", "group.id": "billing", **consumer}}
    result = load_spec_text(as_yaml(spec_data(kafka_version=version, consumers=consumers)))
    return result.spec, format_errors(result.errors)


def test_the_membership_keys_are_read() -> None:
    spec, errors = _load(
        **{
            "partition.assignment.strategy": COOPERATIVE,
            "group.instance.id": "billing-a",
            "app": {"on_revoke": "commit"},
        }
    )
    assert spec is not None, errors
    c = spec.consumers["billing"]
    assert c.assignment_strategy == (COOPERATIVE,)
    assert c.group_instance_id == "billing-a"
    assert c.app.on_revoke == "commit"
    assert c.group_protocol == "classic"


def test_the_version_default_assignor_list_is_range_then_cooperative_sticky_from_3_0() -> None:
    spec, _ = _load("3.0")
    assert spec is not None
    assert spec.consumers["billing"].assignment_strategy == (
        "org.apache.kafka.clients.consumer.RangeAssignor",
        COOPERATIVE,
    )
    spec, _ = _load("2.8")
    assert spec is not None
    assert spec.consumers["billing"].assignment_strategy == (
        "org.apache.kafka.clients.consumer.RangeAssignor",
    )


def test_an_assignor_list_next_to_the_consumer_protocol_is_refused_from_4_0() -> None:
    spec, errors = _load(
        "4.0", **{"group.protocol": "consumer", "partition.assignment.strategy": COOPERATIVE}
    )
    assert spec is None
    assert "KAFKA-17338" in errors and "consumers.billing.partition.assignment.strategy" in errors
    spec, errors = _load("3.8", **{"group.protocol": "consumer"})
    assert spec is not None, errors


def test_an_assignor_class_of_a_later_release_is_refused() -> None:
    spec, errors = _load("2.3", **{"partition.assignment.strategy": COOPERATIVE})
    assert spec is None and "exists from Kafka 2.4 (KIP-429)" in errors


def test_group_protocol_does_not_exist_before_3_7() -> None:
    spec, errors = _load("3.6", **{"group.protocol": "classic"})
    assert spec is None and "group.protocol" in errors


def test_a_misspelt_on_revoke_value_says_what_is_expected() -> None:
    spec, errors = _load(app={"on_revoke": "comit"})
    assert spec is None
    assert "on_revoke" in errors and "commit" in errors


def test_membership_defaults_are_listed_only_for_groups_of_several_members() -> None:
    data = spec_data()
    result = load_spec_text(as_yaml(data))
    assert result.spec is not None
    assert not any(s.name == "group.protocol" for s in result.spec.settings)
    data["consumers"]["billing-2"] = {"topic": "orders", "group.id": "billing"}
    result = load_spec_text(as_yaml(data))
    assert result.spec is not None
    listed = {(s.scope, s.name) for s in result.spec.settings}
    assert ("consumer:billing-2", "group.protocol") in listed
    assert ("consumer:billing", "app.on_revoke") in listed


def test_the_group_faults_are_fault_budgets() -> None:
    data = spec_data(faults={"consumer_stall": 2, "group_rebalance": 1})
    result = load_spec_text(as_yaml(data))
    assert result.spec is not None, format_errors(result.errors)
    assert result.spec.faults.consumer_stall == 2 and result.spec.faults.group_rebalance == 1
