"""`python -m lyreport …` runs the command line, as the `lyreport` program does."""

from .cli import main

main()
