"""The `app:` blocks `mqcheck import` writes: what the application code does, which no
.properties file says, written out with the value the loader would assume anyway.

They are written instead of left out because they decide hazards as much as acks does (an
`on_send_error: drop` loses what `acks=all` kept; a commit before processing loses what the
broker kept), and a default nobody sees is a default nobody checks. Each line says it is an
assumption and what the alternatives mean. The values come from the loader's own tables
(resolve_producers.APP_KEYS, resolve_consumers.APP_KEYS and implied_commit), so the imported
spec is the spec the loader would build without them.
"""

from __future__ import annotations

from mqcheck.spec import resolve_consumers, resolve_producers
from mqcheck.spec.client_props import AppKey
from mqcheck.spec.yaml_text import yaml_scalar

HEADER = (
    "app:  # ASSUMED, not in any .properties file: what the application code does. These "
    "decide hazards: the team must check each one against the code"
)

#: Why each assumption matters, after "assumed:"; the loader's value is shown before it.
_WHY: dict[str, str] = {
    "waits_for_result": "the code reads every send's result (future.get() or a callback); "
    "false: fire-and-forget, a failed send goes unnoticed",
    "on_send_error": "on a send that fails, the code logs and goes on, so the message is lost; "
    "resend: it sends again (duplicates are possible); halt: it stops",
    "message_bytes": "each message's size, checked against max.request.size and message.max.bytes",
    "processing": "each record is processed inside the poll loop; async: handed to another "
    "thread, so a commit can pass a record not yet processed",
    "idempotent": "processing a record twice has two effects; true: the second has none",
    "joins": "the group has joined before the first message is produced; any_time: with "
    "auto.offset.reset=latest a late join skips what came before",
    "keys": "the records carry no key (sticky partitioning); if the code sends keys, "
    "list them here and remove the #",
    "on_revoke": "the ConsumerRebalanceListener commits nothing when partitions are revoked; "
    "commit: it commits the position in onPartitionsRevoked",
}
_COMMIT_WHY = {
    "auto": "enable.auto.commit=true: the consumer commits on every poll, whatever the code "
    "does, so a crash can lose a record polled but not processed",
    "after_processing": "the code commits (commitSync/commitAsync) only after processing what "
    "it polled; before_processing: it commits first, so a crash loses the record",
}


def producer_app() -> list[str]:
    """The producer's `app:` block, one line each, indented under the header."""
    lines = [HEADER]
    for key in resolve_producers.APP_KEYS:
        if key.kind == "keys":
            # app.keys has no value to assume: the imported producer sends keyless records
            lines.append(f"  # {key.name}: [...]  # assumed: {_WHY[key.name]}")
        else:
            lines.append(_line(key, key.default))
    return lines


def consumer_app(auto_commit: bool) -> list[str]:
    """The consumer's `app:` block; `commit` is the mode its enable.auto.commit implies."""
    lines = [HEADER]
    for key in resolve_consumers.APP_KEYS:
        if key.name == "commit":
            commit = resolve_consumers.implied_commit(auto_commit)
            lines.append(_line(key, commit, _COMMIT_WHY[commit]))
        else:
            lines.append(_line(key, key.default))
    return lines


def _line(key: AppKey, value: object, why: str = "") -> str:
    return f"  {key.name}: {yaml_scalar(value)}  # assumed: {why or _WHY[key.name]}"
