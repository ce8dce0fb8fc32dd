"""Clauses over state variables: the plain-data form of an invariant.

An invariant leaves a proof engine (IC3, Houdini) as clauses of literals and is re-checked
on the IR by an independent solver (mqcheck.engines.inductive_check); the model offers
candidate invariants in the same form (mqcheck.model.lemmas). Keeping them as data, not
solver terms, is what lets a second translation check what the first one found.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

#: One literal: variable op value, op in !=, ==, <=, >=; a value that is a string names
#: another variable (`("hw", "<=", "leo_0")`).
ClauseLit = tuple[str, str, int | str]
#: A disjunction of literals.
Clause = tuple[ClauseLit, ...]

OPS = ("!=", "==", "<=", ">=")


def literal_holds(lit: ClauseLit, state: Mapping[str, int]) -> bool:
    name, op, value = lit
    x = state[name]
    y = state[value] if isinstance(value, str) else value
    if op == "!=":
        return x != y
    if op == "==":
        return x == y
    if op == "<=":
        return x <= y
    return x >= y


def clause_holds(clause: Clause, state: Mapping[str, int]) -> bool:
    """Whether some literal of `clause` holds in `state` (a name -> value mapping)."""
    return any(literal_holds(lit, state) for lit in clause)


def clause_names(clause: Clause) -> set[str]:
    return {n for n, _, _ in clause} | {v for _, _, v in clause if isinstance(v, str)}


def render(clause: Clause) -> str:
    return " or ".join(f"{n} {op} {v}" for n, op, v in clause)


def well_formed(clauses: Sequence[Clause], names: set[str]) -> list[Clause]:
    """The clauses whose literals all name variables in `names`, with known operators."""
    return [
        c for c in clauses if c and clause_names(c) <= names and all(op in OPS for _, op, _ in c)
    ]
