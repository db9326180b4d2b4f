"""A1 cell references of 0-based (column, row) positions, and back."""

from __future__ import annotations


def cell_ref(col: int, index: int) -> str:
    """A1 reference of a 0-based column and row index."""
    letters = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return f"{letters}{index + 1}"


def cell_index(ref: str) -> tuple[int, int] | None:
    """(0-based row, column) of an A1 reference; None for anything else."""
    letters = ref.rstrip("0123456789")
    digits = ref[len(letters) :]
    if not letters or not digits or not letters.isascii() or not letters.isalpha():
        return None
    col = 0
    for ch in letters.upper():
        col = col * 26 + ord(ch) - 64
    return int(digits) - 1, col - 1
