"""Producers: the spec's values, then Kafka's producer rules for the version
(validate.producer_config), which derive acks, retries and idempotence from each other."""

from __future__ import annotations

from collections.abc import Collection
from typing import cast

from mqcheck.spec.client_props import (
    AppKey,
    ClientProps,
    app_origin,
    client_entries,
    client_section,
    read_app,
    topic_reference,
)
from mqcheck.spec.context import LoadContext, join
from mqcheck.spec.kafka_property import KafkaProperty
from mqcheck.spec.keys import INVALID
from mqcheck.spec.schema import Acks, OnSendError, Producer, ProducerApp
from mqcheck.spec.tree import Entry, Node
from mqcheck.spec.validate import ProducerGiven, kafka_refuses, producer_config

APP_KEYS = (
    AppKey("waits_for_result", True, "bool"),
    AppKey("on_send_error", "drop", "choice", ("drop", "resend", "halt")),
    AppKey("message_bytes", 1000, "size"),
    AppKey("keys", None, "keys"),  # None: the records carry no key
)
#: ProducerConfig's validator for acks takes these strings; -1 is Kafka's spelling of all.
_ACKS = {"all": -1, "-1": -1, "0": 0, "1": 1}


class _ProducerProps(ClientProps):
    def read(self, prop: KafkaProperty, entry: Entry) -> object:
        if prop.name != "acks":
            return super().read(prop, entry)
        path = join(self.path, "acks")
        text = self.ctx.reader.choice(entry.value, path, list(_ACKS), what="acks", trim=True)
        return INVALID if text is None else _ACKS[text]


def resolve_producers(
    ctx: LoadContext, node: Node | None, topics: Collection[str]
) -> dict[str, Producer]:
    producers: dict[str, Producer] = {}
    required = "no producers: a spec needs at least one"
    for entry in client_entries(ctx, node, "producers", required=required):
        producer = _producer(ctx, entry.key, entry.value, join("producers", entry.key), topics)
        if producer is not None:
            producers[entry.key] = producer
    return producers


def _given(props: ClientProps) -> ProducerGiven:
    given = props.given
    return ProducerGiven(
        acks=cast("int | None", given.get("acks")),
        enable_idempotence=cast("bool | None", given.get("enable.idempotence")),
        retries=cast("int | None", given.get("retries")),
        max_in_flight=cast("int | None", given.get("max.in.flight.requests.per.connection")),
        delivery_timeout_ms=cast("int | None", given.get("delivery.timeout.ms")),
        transactional_id=cast("str | None", given.get("transactional.id")),
        linger_ms=props.unmodelled_int("linger.ms"),
        request_timeout_ms=props.unmodelled_int("request.timeout.ms"),
    )


def _producer(
    ctx: LoadContext, name: str, node: Node, path: str, topics: Collection[str]
) -> Producer | None:
    owner = f"producer:{name}"
    fixed = ("topic", "app")
    keys = [key.name for key in APP_KEYS]
    entries = client_section(ctx, node, path, "producer", owner, fixed, keys)
    if entries is None:
        return None
    topic = topic_reference(ctx, entries, path, "topic", topics)
    props = _ProducerProps(ctx, "producer", path, owner, entries)
    outcome = producer_config(ctx.version, _given(props))
    for key, message in outcome.refusals:
        ctx.problems.add(join(path, key), kafka_refuses(message), props.position(key))
    transactional_id = cast("str | None", props.given.get("transactional.id"))
    max_request_size = cast(int, props.value("max.request.size"))
    effective: dict[str, object] = {
        "acks": "all" if outcome.acks == -1 else outcome.acks,
        "enable.idempotence": outcome.enable_idempotence,
        "retries": outcome.retries,
        "max.in.flight.requests.per.connection": outcome.max_in_flight,
        "delivery.timeout.ms": outcome.delivery_timeout_ms,
        "max.request.size": max_request_size,
        "transactional.id": transactional_id,
    }
    for key, value in effective.items():
        props.record(key, value, outcome.derived.get(key, ""))
    app_node = entries["app"].value if "app" in entries else None
    app_path = join(path, "app")
    app = read_app(ctx, app_node, app_path, owner, APP_KEYS)
    if app is None or topic is None:
        return None
    for app_key in APP_KEYS:
        if app[app_key.name] is None:
            continue  # app.keys left out: nothing to show (unkeyed records, as before)
        origin = app_origin(ctx, app_node, app_path, app_key.name)
        ctx.record(owner, f"app.{app_key.name}", app[app_key.name], origin)
    message_keys = cast("tuple[str, ...] | None", app["keys"]) or ()
    return Producer(
        name=name,
        topic=topic,
        acks=cast(Acks, outcome.acks),
        enable_idempotence=outcome.enable_idempotence,
        retries=outcome.retries,
        max_in_flight=outcome.max_in_flight,
        delivery_timeout_ms=outcome.delivery_timeout_ms,
        max_request_size=max_request_size,
        transactional_id=transactional_id,
        app=ProducerApp(
            waits_for_result=bool(app["waits_for_result"]),
            on_send_error=cast(OnSendError, app["on_send_error"]),
            message_bytes=cast(int, app["message_bytes"]),
            keys=message_keys,
        ),
        partitioner_class=props.unmodelled_text("partitioner.class"),
        partitioner_ignore_keys=props.unmodelled_text("partitioner.ignore.keys") == "true",
        key_serializer=props.unmodelled_text("key.serializer"),
    )
