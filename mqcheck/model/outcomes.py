"""What happens to a message when a produce attempt fails: the producer's retry logic and
then the application's `on_send_error` reaction.

These are written as if-then-else updates guarded by a condition, so one action (a broker
crash, a lost request) can fail several messages at once without one action per case.
Sources: producer `retries` and `delivery.timeout.ms` (KIP-91); the application reaction is
ours to model (contract: `app.on_send_error`, `app.waits_for_result`).
"""

from __future__ import annotations

from collections.abc import Mapping

from mqcheck.ir.expr import Expr, any_of, ite
from mqcheck.model.layout import EXCUSED, GAVE_UP, QUEUED, RETRY, ModelBuilder

Updates = dict[str, Expr]


def merge(*parts: Mapping[str, Expr]) -> Updates:
    """Combine update sets of independent effects; the overflow flag is or-ed, any other
    variable written twice is a modelling bug."""
    merged: Updates = {}
    for part in parts:
        for name, expr in part.items():
            if name == "overflow" and name in merged:
                merged[name] = ite(any_of((merged[name].eq(1), expr.eq(1))), 1, 0)
            elif name in merged:
                raise ValueError(f"variable {name} updated twice in one action")
            else:
                merged[name] = expr
    return merged


def on_failure(b: ModelBuilder, m: int, cond: Expr, resendable: bool = True) -> Updates:
    """The application is told that message m failed (where `cond` holds).

    drop (or a fire-and-forget app that never reads the result): gone. halt: excused, and
    the app sends nothing more. resend: send() again: a new application-level send, so an
    idempotent producer cannot dedupe it against a copy already in the log."""
    p = b.producer_of(m).spec
    status = b.status(m)
    ups: Updates = {}
    tries = f"tries_m{m}"
    if not p.app.waits_for_result or p.app.on_send_error == "drop":
        ups[status.name] = ite(cond, GAVE_UP, status)
    elif p.app.on_send_error == "halt":
        ups[status.name] = ite(cond, EXCUSED, status)
    else:
        ups[status.name] = ite(cond, QUEUED, status)
        gen = f"gen_m{m}"
        if resendable and b.has(gen):
            g = b.v(gen)
            ups[gen] = ite(cond, ite(g < b.gens - 1, g + 1, g), g)
            ups["overflow"] = ite(cond & g.eq(b.gens - 1), 1, b.v("overflow"))
    if b.has(tries):
        ups[tries] = ite(cond, 0, b.v(tries))
    if b.has(f"poff_m{m}"):
        ups[f"poff_m{m}"] = ite(cond, 0, b.v(f"poff_m{m}"))
    return ups


def on_retriable(b: ModelBuilder, m: int, cond: Expr) -> Updates:
    """A retriable error or a timeout on message m's attempt: the producer retries, unless
    `retries` is used up, in which case the application is told it failed."""
    p = b.producer_of(m).spec
    status = b.status(m)
    tries = f"tries_m{m}"
    if not b.has(tries):
        ups: Updates = {status.name: ite(cond, RETRY, status)}
        if b.has(f"poff_m{m}"):
            ups[f"poff_m{m}"] = ite(cond, 0, b.v(f"poff_m{m}"))
        return ups
    t = b.v(tries)
    exhausted = cond & t.eq(p.retries)
    fail = on_failure(b, m, exhausted)
    retry_cond = cond & (t < p.retries)
    fail[status.name] = ite(retry_cond, RETRY, fail[status.name])
    fail[tries] = ite(retry_cond, t + 1, fail[tries])
    return fail
