"""`python -m mqcheck` runs the command line."""

from mqcheck.cli import main

main()
