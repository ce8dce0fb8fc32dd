"""The design-review checklist: verdicts, hazards and resilience profile of one spec
(`build`, `hazards`, `profile`, `runs`), rendered as Markdown, HTML or SARIF."""
