"""Goal-directed design: scoring functions (REINVENT / GuacaMol style) and what uses them.

``read_objective(path)`` / ``parse_objective(text)`` build a :class:`ScoringFunction`
from a TOML objective file; ``make_component(settings)`` builds one component in Python.
"""
from genforge_molecule.objectives.components import Component, make_component
from genforge_molecule.objectives.objective_file import parse_objective, read_objective
from genforge_molecule.objectives.scoring import Scores, ScoringFunction

__all__ = ["Component", "Scores", "ScoringFunction", "make_component", "parse_objective", "read_objective"]
