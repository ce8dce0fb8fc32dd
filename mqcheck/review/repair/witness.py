"""Does a counterexample found under one configuration still witness a violation under
another? The trace is followed action by action in the other configuration's model; where
an action is not enabled yet, a short search over fault-free steps looks for a way to enable
it (a follower fetching first under acks=all, an earlier batch acknowledged first when fewer
requests may be in flight). The result is a run of the other model, so if its last state
violates the guarantee — judged by `replay`, exactly as `mqcheck replay` judges a trace —
it is a genuine counterexample there, whatever the filling did.
"""

from __future__ import annotations

from collections.abc import Sequence

from mqcheck.ir.compile_py import ActionCode, compile_actions
from mqcheck.ir.lookahead import Future, explore
from mqcheck.ir.system import TransitionSystem
from mqcheck.trace.replay import violates

State = tuple[int, ...]
#: Fault-free steps the filling may add before one trace step, and states it may visit.
FILL_DEPTH = 3
FILL_STATES = 500


class _Actions:
    """Guards and updates compiled on first use: a trace takes a handful of the model's
    actions, and compiling the whole model for every configuration tried would dominate."""

    def __init__(self, system: TransitionSystem, cache: dict[str, ActionCode]) -> None:
        self.system = system
        self.cache = cache
        self.code: dict[int, ActionCode] = {}
        self.free = [i for i, a in enumerate(system.actions) if a.fault is None]
        self._future: Future | None = None

    def future(self) -> Future:
        """The fault-free future through these actions, made on first use (a trace that
        needs no filling under an invariant never needs it)."""
        if self._future is None:
            self._future = Future.of(self.system, self.successors)
        return self._future

    def need(self, indexes: Sequence[int]) -> None:
        todo = [i for i in indexes if i not in self.code]
        if todo:
            self.code.update(compile_actions(self.system, todo, self.cache))

    def apply(self, index: int, state: State) -> State | None:
        self.need((index,))
        guard, update = self.code[index]
        return update(state) if guard(state) else None

    def enabled(self, index: int, state: State) -> bool:
        self.need((index,))
        return self.code[index][0](state)

    def successors(self, state: State) -> list[tuple[int, State]]:
        """Fault-free successors only: all that the at-least-once look-ahead follows."""
        self.need(self.free)
        return [(i, self.code[i][1](state)) for i in self.free if self.code[i][0](state)]


def witnesses(
    system: TransitionSystem,
    guarantee: str,
    actions: Sequence[str],
    cache: dict[str, ActionCode] | None = None,
) -> bool:
    """Whether the actions, with fault-free filling, end in a state that violates
    `guarantee`. `cache` keeps compiled actions across the models of one search."""
    code = _Actions(system, {} if cache is None else cache)
    by_name = {a.name: i for i, a in enumerate(system.actions)}
    wanted = [by_name.get(name) for name in actions]
    if any(i is None for i in wanted):
        return False
    code.need([i for i in wanted if i is not None])
    state = system.initial_state()
    for index in wanted:
        assert index is not None
        after = code.apply(index, state)
        if after is None:
            filling = _fill(code, state, index)
            if filling is None:
                return False
            for step in filling:
                moved = code.apply(step, state)
                assert moved is not None
                state = moved
            after = code.apply(index, state)
            assert after is not None
        state = after
    if system.guarantee(guarantee) is None:
        return False
    # undecided (the look-ahead gave up) is no witness
    return bool(violates(system, code.future, guarantee, state))


def _fill(code: _Actions, start: State, target: int) -> list[int] | None:
    """The shortest fault-free path (bounded) to a state where `target` is enabled; states
    are told apart exactly (not by symmetry: `target` names its broker)."""
    future = code.future()
    exact = Future(future.successors, future.is_fault, _same, future.limit)
    found = explore(
        exact, start, [lambda s: code.enabled(target, s)], FILL_STATES, max_depth=FILL_DEPTH
    )
    [plan] = found.plans
    return None if plan is None else list(plan)


def _same(state: State) -> State:
    return state
