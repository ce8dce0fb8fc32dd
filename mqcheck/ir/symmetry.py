"""Canonical states under interchangeable members (a partition's replicas).

Two states that differ only by which broker plays which part are the same for every
guarantee; mapping both to one canonical representative shrinks the search. The function
is generated Python source, like the successor function, because it runs once per state.
"""

from __future__ import annotations

from collections.abc import Callable

from mqcheck.ir.system import TransitionSystem

State = tuple[int, ...]


def canonicalizer(system: TransitionSystem) -> Callable[[State], State] | None:
    """A function mapping each state to its representative, or None when nothing is
    symmetric."""
    index = system.index()
    sym = next((s for s in system.symmetries if len(s.members) > 1), None)
    if sym is None:
        return None
    n = len(sym.members)
    width = len(sym.members[0])
    if any(len(m) != width for m in sym.members):
        raise ValueError("symmetric members must have the same variables")
    slots = [[index[v] for v in member] for member in sym.members]
    idx_vars = [index[v] for v in sym.index_vars]
    mask_vars = [index[v] for v in sym.mask_vars]
    fast = _contiguous_canonicalizer(n, width, slots, idx_vars, mask_vars)
    if fast is not None:
        return fast
    lines = ["def canon(s):"]
    for i, member in enumerate(slots):
        key_parts = [f"s[{iv}] == {i}" for iv in idx_vars]
        key_parts += [f"(s[{mv}] >> {i}) & 1" for mv in mask_vars]
        key_parts += [f"s[{j}]" for j in member]
        lines.append(f"    k{i} = ({', '.join(key_parts)},)")
    keys = ", ".join(f"k{i}" for i in range(n))
    lines.append(f"    keys = ({keys},)")
    lines.append(f"    order = sorted(range({n}), key=keys.__getitem__)")
    lines.append(f"    if order == list(range({n})):")
    lines.append("        return s")
    lines.append("    t = list(s)")
    lines.append(f"    slots = {slots!r}")
    lines.append("    for new, old in enumerate(order):")
    lines.append("        src, dst = slots[old], slots[new]")
    lines.append(f"        for j in range({width}):")
    lines.append("            t[dst[j]] = s[src[j]]")
    if idx_vars or mask_vars:
        lines.append(f"    rename = [0] * {n}")
        lines.append("    for new, old in enumerate(order):")
        lines.append("        rename[old] = new")
    for iv in idx_vars:
        lines.append(f"    if s[{iv}] < {n}:")
        lines.append(f"        t[{iv}] = rename[s[{iv}]]")
    for mv in mask_vars:
        lines.append(
            f"    t[{mv}] = sum(((s[{mv}] >> old) & 1) << rename[old] for old in range({n}))"
        )
    lines.append("    return tuple(t)")
    namespace: dict[str, object] = {}
    exec(compile("\n".join(lines) + "\n", "<mqcheck symmetry>", "exec"), namespace)
    return namespace["canon"]  # type: ignore[return-value]


def _contiguous_canonicalizer(
    n: int, width: int, slots: list[list[int]], idx_vars: list[int], mask_vars: list[int]
) -> Callable[[State], State] | None:
    """The common layout: member i's variables are the block [i*width, (i+1)*width) and
    the first index variable follows the blocks. Tuple slices then replace
    element-by-element work, which is most of the cost of canonicalising in Python."""
    if mask_vars or not idx_vars or idx_vars[0] != n * width:
        return None
    if any(slot != list(range(i * width, (i + 1) * width)) for i, slot in enumerate(slots)):
        return None
    w, iv = width, n * width
    others = sorted(idx_vars[1:])
    lines = ["def canon(s):", f"    lead = s[{iv}]"]
    lines += [f"    o{j} = s[{v}]" for j, v in enumerate(others)]
    for i in range(n):
        flags = "".join(f", o{j} == {i}" for j in range(len(others)))
        lines.append(f"    k{i} = (lead == {i}{flags},) + s[{i * w}:{(i + 1) * w}]")
    cond = " <= ".join(f"k{i}" for i in range(n))
    lines.append(f"    if {cond}:")
    lines.append("        return s")
    keys = ", ".join(f"(k{i}, {i})" for i in range(n))
    lines.append(f"    order = sorted([{keys}])")
    lines.append("    body = ()")
    lines.append(f"    rename = [0] * {n}")
    skip = 1 + len(others)
    lines.append("    for new, (key, old) in enumerate(order):")
    lines.append(f"        body += key[{skip}:]")
    lines.append("        rename[old] = new")
    lines.append(f"    t = body + ((rename[lead] if lead < {n} else lead),) + s[{iv + 1}:]")
    if others:
        lines.append("    t = list(t)")
        for j, v in enumerate(others):
            lines.append(f"    t[{v}] = rename[o{j}] if o{j} < {n} else o{j}")
        lines.append("    return tuple(t)")
    else:
        lines.append("    return t")
    namespace: dict[str, object] = {}
    exec(compile("\n".join(lines) + "\n", "<mqcheck symmetry>", "exec"), namespace)
    return namespace["canon"]  # type: ignore[return-value]
