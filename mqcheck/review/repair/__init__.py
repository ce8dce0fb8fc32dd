"""`mqcheck repair`: a counterexample-guided search (`search`) for the cheapest configuration
change after which a guarantee holds; docs/repair.md describes the parts."""
