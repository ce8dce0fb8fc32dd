"""Design-review outputs: the checklist (md, html, SARIF), the resilience profile and sweeps.

Everything here is built from `mqcheck.run.check_spec` on the spec and on variants of it
(another fault budget, another setting), so a review says exactly what `mqcheck check`
would say about each variant.
"""
