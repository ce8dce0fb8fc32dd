"""The Z3 engine over a union of configurations (`check --symbolic`): one deepening BMC query
per guarantee answers for every configuration at once.

The union (mqcheck.ir.union) starts in any member's initial state, its `config` variable
naming the member. At each depth k the solver is asked for a violation with `config` free;
each answer names a configuration, which gets the fewest-fault path of that length (so its
trace is its shortest violation), is then blocked (`config != i` is asserted) and the same
depth is asked again, until no configuration violates at depth k. The configurations left
are then checked for a reachable `limit` state or domain escape (as in `Z3Checker`: such a
configuration can be `violated` or `unknown`, never `holds`), and the others get a proof
attempt, k-induction with `config` restricted to them. When no simple path of length k is
left, every configuration still open has been searched completely (holds, or unknown for a
flagged one). Once at most half the configurations are open, the query restarts on the
union of those alone. The search ends when every configuration is decided, or at the depth
or time limit: the configurations still open are `unknown`, "no violation up to depth k".

Soundness is the single-configuration engine's, per member: the union's paths with
`config == i` are exactly member i's paths (no action writes `config`, member i's actions
are guarded by it), and every reported trace is re-executed on member i's own compiled
model, so it replays against that configuration's spec.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import z3  # type: ignore[import-untyped]

from mqcheck.engines.composite import in_requested_order
from mqcheck.engines.symbolic import (
    ENGINE,
    LocalModel,
    Path,
    Query,
    State,
    SymbolicLimits,
    Z3Checker,
    _Found,
    _OutOfTime,
    _Undecided,
    _Unrolling,
)
from mqcheck.engines.witness import witness
from mqcheck.ir.compile_py import Predicate, compile_predicate
from mqcheck.ir.system import Checked, Eventually, Invariant
from mqcheck.ir.union import Union, union
from mqcheck.result import GuaranteeResult, Stats, Witness

Term = Any


@dataclass
class _Outcomes:
    """Per configuration: a violation, a proof, or why neither (a flagged part)."""

    found: dict[int, _Found] = field(default_factory=dict)
    proof: dict[int, str] = field(default_factory=dict)
    flagged: dict[int, str] = field(default_factory=dict)  # "limit" | "domain"
    why_not: str = ""
    depth: int = 0


class _UnionZ3(Z3Checker):
    """The Z3 engine on a union, judging each at-least-once candidate on its member's own
    model (with that member's symmetry reduction) instead of on the union's."""

    def __init__(self, u: Union, limits: SymbolicLimits | None) -> None:
        super().__init__(u.system, limits)
        self.u = u
        self.members: dict[int, LocalModel] = {}

    def judge(self, g: Eventually) -> Callable[[State], tuple[bool, list[int]]]:
        goals: dict[int, Predicate] = {}

        def run(state: State) -> tuple[bool, list[int]]:
            i = self.u.member_of(state)
            member = self.u.members[i]
            if i not in goals:
                own = member.guarantee(g.guarantee)
                assert isinstance(own, Eventually)
                goals[i] = compile_predicate(member, own.goal)
                self.members[i] = self.members.get(i) or LocalModel.of(member)
            doomed, plan = self._lookahead(self.u.project(i, state), goals[i], self.members[i])
            return doomed, [a + self.u.offsets[i] for a in plan]

        return run


@dataclass
class _Round:
    """One union query: the union of the configurations still open (`ids`, indices into
    the whole union's members) and its checker."""

    u: Union
    z3: Z3Checker
    ids: list[int]

    @property
    def slot(self) -> int:
        return self.u.system.index()[self.u.selector]


class UnionChecker:
    """Checks every member of a union in one query per guarantee; `check` returns, per
    member, the results a `Z3Checker` of that member alone would give.

    Once at most half of a query's configurations are still open, the query restarts on
    the union of those alone: the decided members' actions no longer weigh on every step
    (violations are usually found shallow, so little deepening is repeated)."""

    def __init__(self, u: Union, limits: SymbolicLimits | None = None) -> None:
        self.u = u
        self.z3: Z3Checker = _UnionZ3(u, limits)

    def check(self, guarantees: Sequence[str]) -> list[list[GuaranteeResult]]:
        per_member: list[dict[str, GuaranteeResult]] = [{} for _ in self.u.members]
        for g, t0 in self.z3.in_turn(guarantees):
            out = self._search(g)
            seconds = time.perf_counter() - t0
            for i, results in enumerate(per_member):
                results[g.guarantee] = self._result(i, g, out, seconds)
        return [
            in_requested_order(member, guarantees, by_name)
            for member, by_name in zip(self.u.members, per_member, strict=True)
        ]

    # ---- the search --------------------------------------------------------------------
    def _search(self, g: Checked) -> _Outcomes:
        out = _Outcomes()
        rnd = _Round(self.u, self.z3, list(range(len(self.u.members))))
        while True:
            still_open = self._round(rnd, g, out)
            if not still_open:
                return out
            sub = union([self.u.members[i] for i in still_open], self.u.system.name)
            checker = _UnionZ3(sub, self.z3.limits)
            checker.begin(self.z3.deadline)
            rnd = _Round(sub, checker, still_open)

    def _round(self, rnd: _Round, g: Invariant | Eventually, whole: _Outcomes) -> list[int]:
        """Deepen one union query, recording decisions in `whole`; returns the open
        configurations to restart with, or [] when the search is over."""
        c = rnd.z3
        out = _Outcomes(
            flagged={j: whole.flagged[i] for j, i in enumerate(rnd.ids) if i in whole.flagged}
        )
        active = set(range(len(rnd.ids)))
        restart: list[int] = []
        # the guarantee as this round's union states it (its `config` numbers its members)
        stated = rnd.u.system.guarantee(g.guarantee)
        assert isinstance(stated, (Invariant, Eventually))
        try:
            query = c.query(stated)
            prove = c.inductor(query.parts)
            solver, path = c.bmc_path()
            cfg = path.states[0][rnd.slot]
            tried_version = -1
            k = 0
            while active:
                out.depth = k
                if k > 0:
                    path.extend()
                    if c._ask(solver) is None:
                        for i in active - out.flagged.keys():
                            out.proof[i] = (
                                f"no simple path of length {k} leaves its initial state: every "
                                f"reachable state was checked (depth < {k})"
                            )
                        active.clear()
                        break
                self._violations(rnd, query, solver, path, k, cfg, active, out)
                if not active:
                    break
                self._flag(rnd, solver, path, k, cfg, active, out)
                open_ = sorted(active - out.flagged.keys())
                # a property that grows (plans) is only worth proving once it stopped growing
                version = query.version()
                ready = not query.grows or version == tried_version
                tried_version = version
                if (
                    open_
                    and ready
                    and prove(k + 1, frozenset(), self._within(rnd, open_), (version, *open_))
                ):
                    for i in open_:
                        out.proof[i] = f"k-induction with simple paths succeeded at k = {k + 1}"
                    active -= set(open_)
                    solver.add(z3.Not(self._among(c, cfg, open_)))
                if active and 2 * len(active) <= len(rnd.ids):
                    restart = [rnd.ids[i] for i in sorted(active)]
                    break
                if k >= c.limits.max_depth:
                    out.why_not = (
                        f"no violation up to depth {k}, and no proof by then (the depth limit, "
                        f"{c.limits.max_depth} steps, was reached)"
                    )
                    break
                k += 1
        except _OutOfTime:
            out.why_not = f"the time limit ({c.limits.timeout_s:g} s) was reached"
        except _Undecided as why:
            out.why_not = str(why)
        for j, found in out.found.items():
            own = rnd.u.member_path(j, found.path)
            whole.found[rnd.ids[j]] = _Found(found.depth, found.faults, own)
        whole.proof.update((rnd.ids[j], why) for j, why in out.proof.items())
        whole.flagged.update((rnd.ids[j], why) for j, why in out.flagged.items())
        whole.why_not, whole.depth = out.why_not, out.depth
        return restart

    def _within(self, rnd: _Round, members: Sequence[int]) -> Callable[[list[Term]], Term]:
        """ "the first state belongs to one of `members`", for the induction path."""
        chosen, slot = list(members), rnd.slot
        return lambda first: self._among(rnd.z3, first[slot], chosen)

    @staticmethod
    def _among(c: Z3Checker, term: Term, members: Sequence[int]) -> Term:
        return z3.Or([term == c.num.val(i) for i in members])

    def _violations(
        self,
        rnd: _Round,
        query: Query,
        solver: Any,
        path: _Unrolling,
        k: int,
        cfg: Term,
        active: set[int],
        out: _Outcomes,
    ) -> None:
        """Every open configuration that violates at depth k, each with its fewest-fault
        path of that length; each one found is blocked."""
        c = rnd.z3
        while active:
            if k == 0:
                # an empty path does not say where it started: ask member by member
                for i in sorted(active):
                    hit = query.find_at(solver, path, 0, None, [cfg == c.num.val(i)])
                    if hit is not None:
                        out.found[i] = _Found(0, 0, hit)
                        active.discard(i)
                        solver.add(cfg != c.num.val(i))
                return
            hit = query.find_at(solver, path, k, None, ())
            if hit is None:
                return
            i = rnd.u.member_of(hit[0][1])
            active.discard(i)
            focus = [cfg == c.num.val(i)]
            out.found[i] = c._fewest_faults(query.find_at, solver, path, k, hit, focus)
            solver.add(cfg != c.num.val(i))

    def _flag(
        self,
        rnd: _Round,
        solver: Any,
        path: _Unrolling,
        k: int,
        cfg: Term,
        active: set[int],
        out: _Outcomes,
    ) -> None:
        """Open configurations with a `limit` state or a domain escape at depth k: they
        can still be violated, but never hold."""
        c = rnd.z3
        for name, bad in c.common_base(path, k):
            while True:
                open_ = sorted(active - out.flagged.keys())
                if not open_:
                    return
                model = c._ask(solver, bad, self._among(c, cfg, open_))
                if model is None:
                    break
                out.flagged[c.start_of(model, path)[rnd.slot]] = name

    # ---- per-member results --------------------------------------------------------------
    def _result(self, i: int, g: Checked, out: _Outcomes, seconds: float) -> GuaranteeResult:
        guarantee = g.guarantee
        member = self.u.members[i]
        bounds = dict(member.bounds)
        found = out.found.get(i)
        if found is not None:
            stats = Stats(0, 0, found.depth, round(seconds, 3))
            cex = self._witness(i, found.path, g)
            return GuaranteeResult(guarantee, "violated", ENGINE, bounds, stats, None, witness=cex)
        stats = Stats(0, 0, out.depth, round(seconds, 3))
        if i in out.proof:
            return GuaranteeResult(guarantee, "holds", ENGINE, bounds, stats, None, out.proof[i])
        flag = out.flagged.get(i)
        if flag == "limit":
            reason = member.limit_reason or "a modelling bound was reached"
        elif flag == "domain":
            reason = "a variable left its declared domain"
        else:
            reason = out.why_not or "no verdict"
        if "depth" not in reason:
            reason += f" (no violation up to depth {out.depth})"
        return GuaranteeResult(guarantee, "unknown", ENGINE, bounds, stats, None, reason)

    def _witness(self, i: int, own: Path, g: Checked) -> Witness:
        """Member i's path (already in its own actions and states) as its violation,
        re-executed on member i's model."""
        member = self.u.members[i]
        local = LocalModel.of(member)
        init = member.initial_state()
        state = init
        for a, want in own:
            nxt = local.compiled.apply(a, state)
            if nxt != want:  # pragma: no cover - the union and the member disagree
                raise RuntimeError(f"union step {member.actions[a].name} differs from its member")
            state = nxt
        own_g = member.guarantee(g.guarantee)
        assert isinstance(own_g, (Invariant, Eventually))
        return witness(member, local.future, own_g, init, own)
