"""The state of leader isolation (isolation.py) that other modules read: broker r's `iso_r`
says whether its process is cut off from the controller and its peers and, if it led,
what it still believes about its ISR. Kept apart so replication, storage and racks can
declare and clear it without depending on the isolation actions."""

from __future__ import annotations

from mqcheck.ir.expr import TRUE, Expr, ite
from mqcheck.model.layout import ModelBuilder

# Values of iso_r.
CONNECTED = 0  # in contact with the controller and its peers (or not running)
CUT_OFF = 1  # isolated and fenced; it led nothing when it was cut off
TIMES_OUT = 2  # isolated leader with followers in its ISR: acks=all appended, never answered
ALONE = 3  # isolated leader alone in its ISR: its HW follows its log end, acks=all answered
TOO_FEW = 4  # isolated leader whose ISR is below min.insync.replicas: acks=all refused
LABELS = {
    CONNECTED: "connected",
    CUT_OFF: "isolated",
    TIMES_OUT: "isolated leader (HW frozen)",
    ALONE: "isolated leader (alone in its ISR)",
    TOO_FEW: "isolated leader (ISR below min.insync.replicas)",
}


def enabled(b: ModelBuilder) -> bool:
    return b.spec.faults.leader_isolation > 0


def declare(b: ModelBuilder, r: int) -> None:
    """Broker r's isolation state, in its symmetry block (after alive_r)."""
    if enabled(b):
        b.var(
            f"iso_{r}", 0, TOO_FEW, CONNECTED, "cut off from controller and peers", "enum", LABELS
        )


def connected(b: ModelBuilder, r: int) -> list[Expr]:
    """A guard for steps of a stopped broker (its restart): not while its process is in
    fact running, cut off."""
    return [b.v(f"iso_{r}").eq(CONNECTED)] if b.has(f"iso_{r}") else []


def power_off(b: ModelBuilder, r: int) -> dict[str, Expr]:
    """A power loss ends an isolated broker's process too: it restarts like any other."""
    return {f"iso_{r}": ite(TRUE, CONNECTED, 0)} if b.has(f"iso_{r}") else {}
