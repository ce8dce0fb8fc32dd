"""The values a `--symbolic` property ranges over: given on the command line, or its natural
domain (an enum's or boolean's values from the property catalog, acks 0/1/all,
replication.factor and min.insync.replicas 1..brokers). Integers have no natural finite
domain, so they need an explicit list. Names are resolved like `sweep --vary` names
(mqcheck.review.spec_variants.targets), and a name or value that is not one gets a did-you-mean.
"""

from __future__ import annotations

from collections.abc import Sequence

from mqcheck.review.spec_variants import bare_name, targets
from mqcheck.spec import kafka_properties as catalog
from mqcheck.spec.errors import did_you_mean, one_of
from mqcheck.spec.resolve_consumers import APP_KEYS as CONSUMER_APP_KEYS
from mqcheck.spec.resolve_producers import APP_KEYS as PRODUCER_APP_KEYS
from mqcheck.spec.schema import FAULT_NAMES, Spec

Domain = tuple[str, tuple[str, ...]]  # (property as given, its values as given)

#: more combinations than this make one union too large to be worth asking
MAX_COMBINATIONS = 64
_SIZED = ("min.insync.replicas", "replication.factor")
_BOOLEANS = ("false", "true")


class DomainError(ValueError):
    """A `--symbolic` argument that names nothing, or values the property cannot take."""


def parse_symbolic(args: Sequence[str]) -> list[tuple[str, tuple[str, ...] | None]]:
    """`acks,min.insync.replicas` → two names without values; `flush.messages=1,9` → one
    name with its values (a value list takes the whole argument)."""
    out: list[tuple[str, tuple[str, ...] | None]] = []
    for arg in args:
        name, sep, rest = arg.partition("=")
        if sep:
            values = tuple(v.strip() for v in rest.split(","))
            if not name.strip() or not all(values):
                raise DomainError(
                    f"--symbolic '{arg}': expected NAME=V1,V2,... (e.g. acks=0,1,all)"
                )
            out.append((name.strip(), tuple(dict.fromkeys(values))))
            continue
        names = [n.strip() for n in arg.split(",")]
        if not all(names):
            raise DomainError(f"--symbolic '{arg}': expected NAME[,NAME...] or NAME=V1,V2,...")
        out.extend((n, None) for n in names)
    seen: set[str] = set()
    for name, _ in out:
        if name in seen:
            raise DomainError(f"--symbolic: {name} is given twice")
        seen.add(name)
    return out


def resolve(spec: Spec, requested: Sequence[tuple[str, tuple[str, ...] | None]]) -> list[Domain]:
    """Every requested property with its values; DomainError for an unknown name, a value
    its catalog domain does not have, an integer without a list, or too many combinations."""
    out: list[Domain] = []
    for name, given in requested:
        if not targets(spec, name):
            hint = did_you_mean(name, _known_names(spec))
            raise DomainError(
                f"--symbolic {name}: no setting of this spec has that name"
                + (f"; {hint}" if hint else "")
                + " (use a Kafka property name, app.KEY, a fault name, or a dotted path "
                "like topics.NAME.PROPERTY)"
            )
        natural = natural_values(spec, name)
        if given is None:
            if natural is None:
                raise DomainError(
                    f"--symbolic {name}: an integer property has no default list of values; "
                    f"give them, e.g. --symbolic {name}=1,2"
                )
            out.append((name, natural))
            continue
        if natural is not None and name not in _SIZED:
            accepted = (*natural, "-1") if bare_name(spec, name) == "acks" else natural
            for value in given:
                if value not in accepted:
                    hint = did_you_mean(value, accepted)
                    raise DomainError(
                        f"--symbolic {name}={','.join(given)}: '{value}' is not a value of "
                        f"{name}; expected {one_of(accepted)}" + (f"; {hint}" if hint else "")
                    )
        elif natural is None or name in _SIZED:
            for value in given:
                if value != "null" and not _is_int(value):
                    raise DomainError(
                        f"--symbolic {name}={','.join(given)}: '{value}' is not an integer"
                    )
        out.append((name, given))
    total = 1
    for _, values in out:
        total *= len(values)
    if total > MAX_COMBINATIONS:
        raise DomainError(
            f"--symbolic: {total} combinations, more than {MAX_COMBINATIONS}; give shorter "
            "value lists (NAME=V1,V2,...) or fewer properties"
        )
    return out


def natural_values(spec: Spec, name: str) -> tuple[str, ...] | None:
    """The property's default domain, or None for an integer (a list is needed)."""
    bare = bare_name(spec, name)
    if bare == "acks":
        return ("0", "1", "all")
    if bare in _SIZED:
        return tuple(str(n) for n in range(1, spec.brokers + 1))
    if bare.startswith("app."):
        for key in (*PRODUCER_APP_KEYS, *CONSUMER_APP_KEYS):
            if key.name == bare[4:]:
                if key.kind == "choice":
                    return key.choices
                return _BOOLEANS if key.kind == "bool" else None
    for scope in catalog.scopes_of(bare):
        prop = catalog.lookup(scope, bare)
        if prop is None:
            continue
        if prop.type == "bool":
            return _BOOLEANS
        if prop.type == "enum":
            return prop.allowed_in(spec.kafka_version)
    return None


def _known_names(spec: Spec) -> list[str]:
    names = {s.name for s in spec.settings if s.scope not in ("cluster",)}
    return sorted(names | set(FAULT_NAMES))


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True
