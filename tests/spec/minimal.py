"""A minimal valid spec as data, for tests that change one thing at a time."""

from __future__ import annotations

import copy
from typing import Any

import yaml

BASE: dict[str, Any] = {
    "mqcheck": 1,
    "name": "minimal",
    "kafka_version": "3.7",
    "cluster": {"brokers": 3},
    "topics": {"orders": {"partitions": 1, "replication.factor": 3, "min.insync.replicas": 2}},
    "producers": {"checkout": {"topic": "orders"}},
    "consumers": {"billing": {"topic": "orders", "group.id": "billing"}},
}


def spec_data(**sections: Any) -> dict[str, Any]:
    """BASE with top-level sections replaced; a value of None removes the section."""
    data = copy.deepcopy(BASE)
    for key, value in sections.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def producer(**props: Any) -> dict[str, Any]:
    return {"checkout": {"topic": "orders", **props}}


def consumer(**props: Any) -> dict[str, Any]:
    return {"billing": {"topic": "orders", "group.id": "billing", **props}}


def as_yaml(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False)
