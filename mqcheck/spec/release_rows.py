"""The catalog rows as the releases of `releases.py` change them.

Why a module of its own: `releases.py` must not import the catalog types (`versions.py`
imports it, and `kafka_property.py` imports `versions.py`), so the step from a release record
to catalog rows lives here, used by both the modelled and the not-modelled tables.
"""

from __future__ import annotations

from dataclasses import replace

from mqcheck.spec.kafka_property import Default, KafkaProperty, prop
from mqcheck.spec.releases import RELEASES, Release


def apply_release(release: Release, rows: tuple[KafkaProperty, ...]) -> tuple[KafkaProperty, ...]:
    """The rows as they stand after `release`: its changed defaults, its new lower bounds and
    the 'not verified' caveat on the LIST defaults it may have changed (`added_rows` gives the
    properties it adds)."""
    defaults = {(change.scope, change.name): change for change in release.changed_defaults}
    bounds = {(bound.scope, bound.name): bound for bound in release.lower_bounds}
    updated: list[KafkaProperty] = []
    for row in rows:
        change = defaults.get((row.scope, row.name))
        if change is not None:
            new = Default(release.line, change.value, change.source)
            row = replace(row, defaults=(*row.defaults, new))
        bound = bounds.get((row.scope, row.name))
        if bound is not None:
            entry = (release.line, bound.minimum, bound.source)
            row = replace(row, minimum_from=(*row.minimum_from, entry))
        if release.list_default_caveat and row.type == "list" and row.until is None:
            last = row.defaults[-1]
            caveat = Default(release.line, last.value, release.list_default_caveat)
            row = replace(row, defaults=(*row.defaults, caveat))
        updated.append(row)
    return tuple(updated)


def added_rows(release: Release) -> tuple[KafkaProperty, ...]:
    """The not-modelled rows of the properties `release` adds."""
    return tuple(
        prop(
            added.name,
            added.scope,
            added.type,
            defaults=(Default(release.line, added.default, added.source),),
            since=release.line,
            since_source=added.source,
        )
        for added in release.added
    )


def through_releases(
    rows: tuple[KafkaProperty, ...], *, add: bool = True
) -> tuple[KafkaProperty, ...]:
    """`rows` after every checked release in order; with the added properties when `add`."""
    for release in RELEASES:
        if release.refusal:
            continue
        rows = apply_release(release, rows)
        if add:
            rows = rows + added_rows(release)
    return rows
