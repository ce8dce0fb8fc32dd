"""Spec → TransitionSystem: Kafka's semantics written once, as data both engines read.

The modules import one way (tests/model/test_layers.py checks it, lazy imports included):

- `layout` — the state layout and encoding (ModelBuilder); `pipeline` — the chain of topics.
- `outcomes`, `watermark` — what a failed produce attempt does; the high watermark rules.
- `consumer_state`, `producer_state`, `transaction_state`, `processor_state` — each
  client's variables as the rest of the model reads them, and the updates several parts
  build (a rewind, a transaction abort, a processor that is down).
- `storage` (with flush-on-append), `replication`, `election`, `producer`, `transactions`,
  `processors`, `consumer` — the actions, one module per part of Kafka.
- `guarantees` — the delivery guarantees as predicates; `compile` — puts the parts together.
"""
