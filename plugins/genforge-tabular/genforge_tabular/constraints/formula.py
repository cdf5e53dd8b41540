"""Safe arithmetic over columns: ``total = a + b`` parsed with :mod:`ast` against a whitelist.

Only numbers, column names (backquoted when they are not identifiers: ``\u0060unit price\u0060``),
``+ - * / // % **``, unary ``-``/``+`` and the functions in :data:`FUNCTIONS` are allowed;
anything else (attributes, subscripts, calls of other names, lambdas, ...) is refused at
parse time, so no user text is ever executed. Evaluation is vectorized with NumPy.
"""
from __future__ import annotations

import ast
import operator
import re
from typing import Callable, Mapping

import numpy as np

from genforge.errors import UserInputError

FUNCTIONS: dict[str, Callable] = {"abs": np.abs, "round": np.round, "floor": np.floor, "ceil": np.ceil,
                                  "sqrt": np.sqrt, "log": np.log, "exp": np.exp, "min": np.minimum,
                                  "max": np.maximum}
_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}
_QUOTED = re.compile(r"`([^`]+)`")


class Formula:
    """A parsed expression: its text, the columns it reads, and a vectorized evaluator."""

    def __init__(self, text: str, where: str):
        self.text = text
        self.where = where
        self._quoted: dict[str, str] = {}

        def placeholder(match: re.Match) -> str:
            name = f"__column_{len(self._quoted)}"
            self._quoted[name] = match.group(1)
            return name

        try:
            tree = ast.parse(_QUOTED.sub(placeholder, text.strip()), mode="eval")
        except SyntaxError as exc:
            raise UserInputError(f"{where}: formula {text!r} is not a valid expression ({exc.msg})") from None
        self.columns: list[str] = []
        self._check(tree.body)
        self._tree = tree.body

    def _name(self, node: ast.Name) -> str:
        return self._quoted.get(node.id, node.id)

    def _check(self, node: ast.AST) -> None:
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            self._check(node.left)
            self._check(node.right)
        elif isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            self._check(node.operand)
        elif isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
                and not isinstance(node.value, bool):
            pass
        elif isinstance(node, ast.Name):
            if self._name(node) not in self.columns:
                self.columns.append(self._name(node))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS \
                and not node.keywords and 1 <= len(node.args) <= 2:
            for arg in node.args:
                self._check(arg)
        else:
            shown = ast.unparse(node) if hasattr(ast, "unparse") else type(node).__name__
            raise UserInputError(f"{self.where}: formula {self.text!r}: {shown!r} is not allowed; a formula "
                                 f"takes numbers, column names, + - * / // % ** and "
                                 f"{', '.join(sorted(FUNCTIONS))}()")

    def evaluate(self, values: Mapping[str, np.ndarray]) -> np.ndarray:
        """The expression over float arrays of the columns (NaN propagates)."""
        with np.errstate(all="ignore"):
            return np.asarray(self._eval(self._tree, values), dtype=float)

    def _eval(self, node: ast.AST, values: Mapping[str, np.ndarray]):
        if isinstance(node, ast.BinOp):
            return _BINARY[type(node.op)](self._eval(node.left, values), self._eval(node.right, values))
        if isinstance(node, ast.UnaryOp):
            return _UNARY[type(node.op)](self._eval(node.operand, values))
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return values[self._name(node)]
        return FUNCTIONS[node.func.id](*(self._eval(a, values) for a in node.args))
