"""The spec document as a small tree with source positions, from YAML text or from Python data.

PyYAML's composer gives every node its line and column but constructs nothing, so the loader
can report positions, see duplicate keys (which `yaml.safe_load` silently merges) and read the
source text of a scalar (so `kafka_version: 3.10` is 3.10, not the float 3.1). Data that was
already parsed (sweep and repair build specs as dicts) becomes the same tree without positions.

The format uses no YAML tags: an explicit tag other than `!!str` is reported, never handed to
PyYAML's constructors (whose `!!bool maybe` and `!!timestamp not-a-date` raise KeyError and
AttributeError rather than a YAML error).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import yaml
from yaml.constructor import ConstructorError, SafeConstructor

from mqcheck.spec.errors import Problems

Position = tuple[int, int]
_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"
_NULL_TAG = "tag:yaml.org,2002:null"
_NON_SPECIFIC_TAG = "!"  # `! 7`: PyYAML resolves it as if untagged
_ALLOWED_TAGS = (_STR_TAG,)
_DECIMAL_TEXT = re.compile(r"^\s*[-+]?[0-9]+\s*$")
#: Integers longer than this are shown by their length: Python refuses str() past 4,300 digits,
#: and no Kafka value has more than 19.
_SHOWN_DIGITS = 40


@dataclass(eq=False)
class Node:
    kind: Literal["map", "seq", "scalar"]
    position: Position | None = None
    entries: list[Entry] = field(default_factory=list)  # kind == "map", in document order
    items: list[Node] = field(default_factory=list)  # kind == "seq"
    value: object = None  # kind == "scalar": the YAML 1.1 value (int, float, bool, str, None...)
    text: str | None = None  # kind == "scalar": the source text, None for data input
    quoted: bool = False  # the scalar was written in quotes: always a string

    def get(self, key: str) -> Entry | None:
        for entry in self.entries:
            if entry.key == key:
                return entry
        return None


@dataclass(eq=False)
class Entry:
    key: str
    position: Position | None
    value: Node


def describe(node: Node) -> str:
    """What was found, for the `found` part of an error: 'a list', "the string 'x'", '3.5'."""
    if node.kind == "map":
        return "a mapping"
    if node.kind == "seq":
        return "a list"
    value = node.value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return int_text(value, node.text)
    if isinstance(value, float):
        text = node.text if node.text is not None else repr(value)
        return text if math.isfinite(value) else f"the number {text}"
    if isinstance(value, str):
        if not node.quoted and _DECIMAL_TEXT.match(value):
            return int_text(None, value)  # a plain integer too long for PyYAML to build
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f"the string '{shown}'"
    return f"a {type(value).__name__}"


def int_text(value: int | None, text: str | None = None) -> str:
    """An integer for a message: its digits when short, else how long it is (from the source
    `text` when there is one), so a 5,000-digit literal is reported, not an internal error."""
    if value is not None and value.bit_length() <= _SHOWN_DIGITS * 3:
        return str(value)
    if text is not None and _DECIMAL_TEXT.match(text):
        digits = len(text.strip().lstrip("+-").lstrip("0"))
        return f"an integer of {digits} digits ({text.strip()[:12]}...)"
    assert value is not None
    digits = int(value.bit_length() * math.log10(2)) + 1
    return f"an integer of about {digits} digits"


def _mark_position(mark: yaml.Mark | None) -> Position | None:
    return None if mark is None else (mark.line + 1, mark.column + 1)


def _offset_position(text: str, offset: int) -> Position:
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


class _TagRecordingLoader(yaml.SafeLoader):
    """SafeLoader that remembers which nodes carried an explicit tag in the source: the
    composed node only has the resolved tag, which an implicit `true` or `5` has too."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.explicit_tags: dict[int, str] = {}

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        tag = getattr(event, "tag", None)
        node = super().compose_node(parent, index)
        if tag is not None and node is not None and not isinstance(event, yaml.AliasEvent):
            self.explicit_tags[id(node)] = str(tag)
        return node


def _compose(text: str) -> tuple[yaml.Node | None, dict[int, str]]:
    loader = _TagRecordingLoader(text)
    try:
        return loader.get_single_node(), loader.explicit_tags
    finally:
        loader.dispose()


def parse_yaml(text: str, problems: Problems) -> Node | None:
    """Compose `text` into a Node tree; YAML errors become problems and give None."""
    try:
        root, tags = _compose(text)
    except yaml.MarkedYAMLError as error:
        message = f"YAML syntax error: {error.problem or 'invalid YAML'}"
        if error.context:
            message += f" ({error.context})"
        problems.add("", message, _mark_position(error.problem_mark or error.context_mark))
        return None
    except yaml.reader.ReaderError as error:
        problems.add(
            "",
            f"the file contains a character YAML does not allow ({error.reason}, "
            f"#x{error.character if isinstance(error.character, int) else 0:04x})",
            _offset_position(text, error.position),
        )
        return None
    except yaml.YAMLError as error:
        problems.add("", f"YAML error: {error}")
        return None
    except RecursionError:
        problems.add("", "YAML error: the document is nested too deeply")
        return None
    if root is None:
        return None
    try:
        return _Composer(problems, tags).convert(root)
    except RecursionError:
        problems.add("", "YAML error: the document is nested too deeply")
        return None


class _Composer:
    """yaml.Node → Node. Aliased nodes are converted once and shared, so an alias bomb costs
    what its source text costs; a node that contains itself is reported, not followed."""

    def __init__(self, problems: Problems, explicit_tags: dict[int, str] | None = None) -> None:
        self.problems = problems
        self.explicit_tags = explicit_tags or {}
        self.done: dict[int, Node] = {}
        self.active: set[int] = set()
        self.constructor = SafeConstructor()

    def convert(self, node: yaml.Node, path: str = "") -> Node:
        known = self.done.get(id(node))
        if known is not None:
            return known
        position = _mark_position(node.start_mark)
        if id(node) in self.active:
            self.problems.add(path, "a YAML alias refers to a node that contains it", position)
            return Node("scalar", position)
        self.active.add(id(node))
        refused = self._refused_tag(node, position, path)
        try:
            if refused and isinstance(node, yaml.ScalarNode):
                result = Node("scalar", position, value=str(node.value), text=str(node.value))
            elif isinstance(node, yaml.MappingNode):
                result = self._mapping(node, position, path)
            elif isinstance(node, yaml.SequenceNode):
                items = [self.convert(item, f"{path}[{i}]") for i, item in enumerate(node.value)]
                result = Node("seq", position, items=items)
            else:
                assert isinstance(node, yaml.ScalarNode)
                result = self._scalar(node, position, path)
        finally:
            self.active.discard(id(node))
        self.done[id(node)] = result
        return result

    def _refused_tag(self, node: yaml.Node, position: Position | None, path: str) -> bool:
        """Report an explicit tag the format does not use; True when one was found."""
        written = self.explicit_tags.get(id(node))
        if written is None or written == _NON_SPECIFIC_TAG or node.tag in _ALLOWED_TAGS:
            return False
        shown = (
            "!!" + node.tag[len("tag:yaml.org,2002:") :]
            if node.tag.startswith("tag:yaml.org,2002:")
            else node.tag
        )
        self.problems.add(
            path or "<root>",
            f"the YAML tag {shown} is not used by the spec format",
            position,
            expected=(
                "a value without a tag (quote it, or write !!str, to force a string)"
                if isinstance(node, yaml.ScalarNode)
                else "a mapping or list without a tag"
            ),
        )
        return True

    def _scalar(self, node: yaml.ScalarNode, position: Position | None, path: str) -> Node:
        text = str(node.value)
        quoted = node.style in ("'", '"', "|", ">") or node.tag == _STR_TAG
        try:
            value = self.constructor.construct_object(node, deep=True)
        except ConstructorError as error:
            self.problems.add(
                path, f"YAML error: {error.problem or 'cannot read this value'}", position
            )
            value = text
        except (ValueError, TypeError, OverflowError):
            # a timestamp-looking text that is no real date, or an integer past Python's
            # 4,300-digit limit: keep the text, the readers report it
            value = text
        if not isinstance(value, (str, int, float, bool, type(None))):
            value = text  # dates, binary: mqcheck reads them as the text that was written
        if isinstance(value, str):
            self._unicode(value, position, path)
        if node.tag == _NULL_TAG:
            value = None
        return Node("scalar", position, value=value, text=text, quoted=quoted)

    def _unicode(self, text: str, position: Position | None, path: str) -> None:
        """A `"\\ud800"` escape gives a lone surrogate: no character, and no output (UTF-8
        stdout, a JSON file) can hold it, so it is refused here rather than crash a renderer."""
        surrogate = next((char for char in text if "\ud800" <= char <= "\udfff"), None)
        if surrogate is not None:
            self.problems.add(
                path or "<root>",
                f"not Unicode text: U+{ord(surrogate):04X} is half of a UTF-16 surrogate pair",
                position,
                expected="text of whole characters (write \\U0001F600, not \\ud83d\\ude00)",
            )

    def _mapping(self, node: yaml.MappingNode, position: Position | None, path: str) -> Node:
        result = Node("map", position)
        own: dict[str, Entry] = {}
        merged: list[Entry] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged.extend(self._merge_entries(value_node, path))
                continue
            key_position = _mark_position(key_node.start_mark)
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.add(
                    path or "<root>",
                    "a key must be a plain name, not a list or mapping",
                    key_position,
                )
                continue
            key = str(key_node.value)
            key_path = f"{path}.{key}" if path else key
            self._unicode(key, key_position, key_path)
            if key in own:
                first = own[key].position
                where = f" (first given at line {first[0]})" if first else ""
                self.problems.add(key_path, f"duplicate key{where}", key_position)
                continue
            own[key] = Entry(key, key_position, self.convert(value_node, key_path))
        for entry in merged:  # YAML merge keys: explicit keys win, earlier merges win
            if entry.key not in own:
                own[entry.key] = entry
        result.entries = list(own.values())
        return result

    def _merge_entries(self, value_node: yaml.Node, path: str) -> list[Entry]:
        sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
        entries: dict[str, Entry] = {}
        for source in sources:
            converted = self.convert(source, path)
            if converted.kind != "map":
                self.problems.add(
                    path or "<root>",
                    "a YAML merge key (<<) needs a mapping",
                    _mark_position(source.start_mark),
                )
                continue
            for entry in converted.entries:
                entries.setdefault(entry.key, entry)
        return list(entries.values())


def to_data(node: Node) -> object:
    """The tree as plain data (dicts, lists, scalars), for the commands that build variants
    of a spec (sweep, explain, repair, check --symbolic): the values the spec was loaded
    from, with the tags the loader ignores left out. A node reached twice (a YAML alias)
    becomes one shared object, as `yaml.safe_load` makes it, so an alias bomb stays small."""
    done: dict[int, object] = {}

    def convert(n: Node) -> object:
        known = done.get(id(n))
        if known is not None or id(n) in done:
            return known
        out: object
        if n.kind == "map":
            out = {e.key: convert(e.value) for e in n.entries}
        elif n.kind == "seq":
            out = [convert(item) for item in n.items]
        else:
            out = n.value
        done[id(n)] = out
        return out

    return convert(node)


def from_data(data: object, problems: Problems) -> Node | None:
    """Already-parsed data (dicts, lists, scalars) → Node tree without positions."""
    try:
        return _DataConverter(problems).convert(data)
    except RecursionError:
        problems.add("", "the data is nested too deeply")
        return None


class _DataConverter:
    def __init__(self, problems: Problems) -> None:
        self.problems = problems
        self.active: set[int] = set()

    def convert(self, data: object, path: str = "") -> Node:
        if isinstance(data, (Mapping, list, tuple)):
            if id(data) in self.active:
                self.problems.add(path or "<root>", "the data contains itself")
                return Node("scalar")
            self.active.add(id(data))
            try:
                if isinstance(data, Mapping):
                    return self._mapping(data, path)
                items = [self.convert(item, f"{path}[{i}]") for i, item in enumerate(data)]
                return Node("seq", items=items)
            finally:
                self.active.discard(id(data))
        if isinstance(data, (str, int, float, bool)) or data is None:
            return Node("scalar", value=data, quoted=isinstance(data, str))
        return Node("scalar", value=str(data), quoted=True)

    def _mapping(self, data: Mapping[object, object], path: str) -> Node:
        result = Node("map")
        for key, value in data.items():
            if isinstance(key, bool):
                name = "true" if key else "false"
            elif isinstance(key, (str, int, float)):
                name = str(key)
            elif key is None:
                name = "null"
            else:
                self.problems.add(
                    path or "<root>", f"a key must be a plain name, found {type(key).__name__}"
                )
                continue
            key_path = f"{path}.{name}" if path else name
            result.entries.append(Entry(name, None, self.convert(value, key_path)))
        return result
