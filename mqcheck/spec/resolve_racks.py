"""`cluster.racks`: the broker.rack of each broker (contract §1.1).

Every broker must have a rack once racks are given: ZooKeeper-era topic creation refuses a
rack-aware assignment otherwise (AdminUtils.assignReplicasToBrokersRackAware: "Not all
brokers have rack information for replica rack aware assignment."), and KRaft would put
the brokers without one into a rack of their own, which a spec should say explicitly.
"""

from __future__ import annotations

from mqcheck.spec.context import LoadContext, join
from mqcheck.spec.tree import Entry

Racks = dict[str, tuple[int, ...]]


def resolve_racks(ctx: LoadContext, entry: Entry | None, brokers: int) -> Racks:
    """{rack: broker ids (1-based)}; {} when racks are not given (or on an error, which is
    reported)."""
    if entry is None:
        return {}
    path = join("cluster", "racks")
    mapping = ctx.reader.mapping(entry.value, path)
    if mapping is None:
        return {}
    racks: Racks = {}
    owner: dict[int, str] = {}
    ok = True
    for rack in mapping.entries:
        rack_path = join(path, rack.key)
        ctx.saw(rack_path, rack.position)
        node = rack.value
        items = node.items if node.kind == "seq" else [node] if node.kind == "scalar" else []
        if node.kind == "map" or not items:
            ctx.reader.error(
                rack_path, node, "not a list of broker ids", expected="a list such as [1, 2]"
            )
            ok = False
            continue
        ids: list[int] = []
        for item in items:
            broker = ctx.reader.integer(item, rack_path, minimum=1, maximum=brokers)
            if broker is None:
                ok = False
                continue
            if broker in owner:
                ctx.reader.error(
                    rack_path,
                    item,
                    f"broker {broker} is already in rack {owner[broker]}: a broker has one "
                    "broker.rack",
                )
                ok = False
                continue
            owner[broker] = rack.key
            ids.append(broker)
        racks[rack.key] = tuple(ids)
    missing = [b for b in range(1, brokers + 1) if b not in owner]
    if ok and missing:
        ctx.reader.error(
            path,
            entry.value,
            f"broker(s) {', '.join(map(str, missing))} have no rack: Kafka refuses a rack-aware "
            'assignment then ("Not all brokers have rack information for replica rack aware '
            'assignment.")',
            expected=f"every broker from 1 to {brokers} in exactly one rack",
        )
        ok = False
    if not ok:
        return {}
    shown = ", ".join(f"{name}: [{', '.join(map(str, ids))}]" for name, ids in racks.items())
    ctx.record("cluster", "racks", "{" + shown + "}", ctx.from_spec(entry, path))
    return racks
