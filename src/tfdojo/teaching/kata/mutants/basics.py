"""Mutants and variants of the katas of checks/basics.py."""

from __future__ import annotations

from tfdojo.teaching.kata.mutants.mutant import Mutant, Variant

MUTANTS: list[Mutant] = []
VARIANTS: list[Variant] = []
