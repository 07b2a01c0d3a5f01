"""Alignment: attributing money to the Strategy's objectives (DESIGN.md rule 7)."""
