"""Design-review outputs, in three rooms and two shared modules.

- `checklist/`: the design-review checklist (hazards, resilience profile) and its renderers
  (Markdown, HTML with SVG sequence diagrams, SARIF).
- `whatif/`: the spec under other settings: `sweep`, `explain` and `check --symbolic`.
- `repair/`: the cheapest configuration change after which a guarantee holds.
- `spec_variants`: a spec's YAML data with settings put in or taken out, which every room
  builds its variants from; `story`: a counterexample told in one sentence.

Everything here is built from `mqcheck.run.check_spec` on the spec and on variants of it
(another fault budget, another setting), so a review says exactly what `mqcheck check`
would say about each variant. A room imports the shared modules, never another room.
"""
