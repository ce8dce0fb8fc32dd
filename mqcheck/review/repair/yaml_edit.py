"""Writing a repair into the spec's own text, so its layout and comments stay as they were.

PyYAML's composer gives every node its start and end offsets in the text. A value that is
there is replaced in place (keeping its quote style); a missing key is inserted into its
mapping: before the closing brace of a flow mapping (`{a: 1, b: 2}`), or on a line of its
own at the mapping's indentation (before the `app:` block of a client, after the section
that precedes it at the top level). A document with anchors and aliases is re-dumped instead,
because one text position would then stand for several keys; the caller is told.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from mqcheck.review.repair.space import KeyPath, Write
from mqcheck.review.spec_variants import apply
from mqcheck.spec.load import TOP_KEYS, yaml_data


@dataclass(frozen=True)
class Edited:
    text: str
    kept_layout: bool  # False: re-dumped (anchors/aliases), comments lost


def edit(text: str, writes: Sequence[Write]) -> Edited:
    """`text` with every write applied."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if root is None or not isinstance(root, yaml.MappingNode) or _shares_nodes(root):
        data = unshared(yaml_data(text) or {})
        for path, value in writes:
            data = apply(data, path, value)
        return Edited(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), False)
    for path, value in writes:
        text = _edit_one(text, path, value)
    return Edited(text, True)


def unshared(data: Any) -> Any:
    """A copy in which no mapping or list is reachable twice: an alias becomes a copy of
    its anchor, so writing through one path changes that path only."""
    if isinstance(data, Mapping):
        return {k: unshared(v) for k, v in data.items()}
    if isinstance(data, list):
        return [unshared(v) for v in data]
    return data


def _shares_nodes(root: yaml.Node) -> bool:
    """Aliases (or merge keys) make one node appear at several places of the tree."""
    seen: set[int] = set()
    stack: list[yaml.Node] = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return True
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.tag == "tag:yaml.org,2002:merge":
                    return True
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return False


def _lookup(node: yaml.MappingNode, key: str) -> yaml.Node | None:
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return v  # type: ignore[no-any-return]
    return None


def _edit_one(text: str, path: KeyPath, value: object) -> str:
    node: yaml.Node | None = yaml.compose(text, Loader=yaml.SafeLoader)
    for depth, key in enumerate(path):
        if isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null"):
            return _splice(text, node, " {" + _flow(path[depth:], value) + "}")  # `app:` alone
        if not isinstance(node, yaml.MappingNode):
            raise ValueError(f"{'.'.join(path[:depth])} is not a mapping")
        child = _lookup(node, key)
        if child is None:
            return _insert(text, node, path[depth:], value, is_root=depth == 0)
        node = child
    if not isinstance(node, yaml.ScalarNode):
        raise ValueError(f"{'.'.join(path)} is not a single value")
    if node.start_mark.index == node.end_mark.index:  # `key:` with nothing after it
        return _splice(text, node, " " + _scalar(value))
    return _splice(text, node, _scalar(value, node.style))


def _splice(text: str, node: yaml.Node, new: str) -> str:
    return text[: node.start_mark.index] + new + text[node.end_mark.index :]


def _scalar(value: object, style: str | None = None) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if style == "'":
        return "'" + text.replace("'", "''") + "'"
    if style == '"' or yaml.safe_load(text) != text or text != text.strip() or ":" in text:
        return json.dumps(text)
    return text


def _flow(path: KeyPath, value: object) -> str:
    """`a: {b: v}` for the rest of a path, inline."""
    out = _scalar(value)
    for key in reversed(path[1:]):
        out = "{" + f"{key}: {out}" + "}"
    return f"{path[0]}: {out}" if path else out


def _insert(
    text: str, mapping: yaml.MappingNode, path: KeyPath, value: object, *, is_root: bool
) -> str:
    if mapping.flow_style:
        close = mapping.end_mark.index - 1
        assert text[close] == "}"
        before = text[:close].rstrip()
        sep = "" if not mapping.value or before.endswith((",", "{")) else ", "
        return before + sep + _flow(path, value) + text[len(before) : close] + text[close:]
    indent = mapping.value[0][0].start_mark.column if mapping.value else 0
    after = _entry_before(mapping, path[0], is_root)
    block = _block(path, value, indent, _step(mapping))
    if after is None:  # insert before the first entry, at its line
        first = mapping.value[0][0].start_mark
        at = first.index - first.column
        return text[:at] + block + text[at:]
    end = _last_offset(after)
    at = end if text[end - 1 : end] == "\n" else _end_of_line(text, end)  # block scalars
    if at == len(text) and not text.endswith("\n"):
        return text + "\n" + block
    return text[:at] + block + text[at:]


def _entry_before(mapping: yaml.MappingNode, key: str, is_root: bool) -> yaml.Node | None:
    """The value node after which the new key goes (None: before the first entry)."""
    keys = [k.value for k, _ in mapping.value]
    if is_root and key in TOP_KEYS:
        rank = TOP_KEYS.index(key)
        earlier = [i for i, k in enumerate(keys) if k in TOP_KEYS and TOP_KEYS.index(k) < rank]
        if not earlier:
            return None
        return mapping.value[earlier[-1]][1]  # type: ignore[no-any-return]
    if key != "app" and "app" in keys:  # client settings go above the app: block
        i = keys.index("app")
        return mapping.value[i - 1][1] if i else None
    return mapping.value[-1][1]  # type: ignore[no-any-return]


def _last_offset(node: yaml.Node) -> int:
    """Where the text of `node` ends; a block collection ends where its last child ends
    (its own end mark may lie past comments that belong to the next key)."""
    if isinstance(node, yaml.MappingNode) and not node.flow_style and node.value:
        return _last_offset(node.value[-1][1])
    if isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value:
        return _last_offset(node.value[-1])
    return int(node.end_mark.index)


def _end_of_line(text: str, offset: int) -> int:
    newline = text.find("\n", offset)
    return len(text) if newline < 0 else newline + 1


def _step(mapping: yaml.MappingNode) -> int:
    """The document's indentation step, as seen under this mapping (2 if nothing nests)."""
    for _, value in mapping.value:
        if isinstance(value, yaml.MappingNode) and not value.flow_style and value.value:
            inner = value.value[0][0].start_mark.column
            outer = mapping.value[0][0].start_mark.column
            if inner > outer:
                return int(inner - outer)
    return 2


def _block(path: KeyPath, value: object, indent: int, step: int) -> str:
    lines = []
    for depth, key in enumerate(path[:-1]):
        lines.append(" " * (indent + depth * step) + f"{key}:")
    lines.append(" " * (indent + (len(path) - 1) * step) + f"{path[-1]}: {_scalar(value)}")
    return "\n".join(lines) + "\n"
