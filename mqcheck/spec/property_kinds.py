"""The scopes and value types a Kafka property can have.

A module of its own so that `releases.py`, which `versions.py` imports, can name them without
importing `kafka_property` (which imports `versions`).
"""

from __future__ import annotations

from typing import Literal

Scope = Literal["broker", "topic", "producer", "consumer", "streams"]
PropType = Literal["int", "long", "bool", "string", "enum", "list", "class", "double", "password"]
