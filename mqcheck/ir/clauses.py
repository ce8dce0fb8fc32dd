"""Clauses over state variables: the plain-data form of an invariant.

An invariant leaves a proof engine (IC3, Houdini) as clauses of literals and is re-checked
on the IR by an independent solver (mqcheck.engines.inductive_check); the model offers
candidate invariants in the same form (mqcheck.model.lemmas). Keeping them as data, not
solver terms, is what lets a second translation check what the first one found.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

#: One literal: variable op value, op in !=, ==, <=, >=; a value that is a string names
#: another variable (`("hw", "<=", "leo_0")`).
ClauseLit = tuple[str, str, int | str]
#: A disjunction of literals.
Clause = tuple[ClauseLit, ...]

#: What each operator computes: on integers, numpy columns and Z3 terms alike, so that the
#: sampled states, the solver and the independent check read a literal the same way.
COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "!=": operator.ne,
    "==": operator.eq,
    "<=": operator.le,
    ">=": operator.ge,
}


def clause_names(clause: Clause) -> set[str]:
    return {n for n, _, _ in clause} | {v for _, _, v in clause if isinstance(v, str)}


def well_formed(clauses: Sequence[Clause], names: set[str]) -> list[Clause]:
    """The clauses whose literals all name variables in `names`, with known operators."""
    return [
        c
        for c in clauses
        if c and clause_names(c) <= names and all(op in COMPARE for _, op, _ in c)
    ]
