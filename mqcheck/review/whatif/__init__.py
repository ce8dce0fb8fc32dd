"""The spec under other settings: `sweep` (a product of values), `explain` (each written
setting taken out) and `check --symbolic` (`symbolic`, `domains`, `symbolic_render`)."""
