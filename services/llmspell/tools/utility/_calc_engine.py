"""The calculator's language: a tokenizer and a precedence-climbing evaluator.

Grammar, lowest precedence first::

    program    := statement (';' | newline statement)*
    statement  := NAME '=' comparison | comparison
    comparison := sum (('=='|'!='|'<'|'<='|'>'|'>=') sum)*     # chains like 1 < x < 3
    sum        := term (('+'|'-') term)*
    term       := unary (('*'|'/'|'//'|'%') unary)*
    unary      := ('-'|'+') unary | power
    power      := atom (('^'|'**') unary)?                      # right-assoc, -2^2 = -4
    atom       := NUMBER | NAME | NAME '(' args ')' | '(' comparison ')'

Values are computed while parsing (no tree is built), so long left-associative
chains need no recursion; nesting (parentheses, unary minus, powers) is capped
at MAX_DEPTH so the Python stack stays small. No Python eval of any kind.
"""

from __future__ import annotations

import difflib
import operator
import re
from contextlib import contextmanager
from typing import NamedTuple

from . import _calc_math as cm
from ._calc_math import error

MAX_DEPTH = 60

_TOKEN = re.compile(r"""
    (?P<space>[ \t\r\f\v]+)
  | (?P<num>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\*\*|//|==|!=|<=|>=|[-+*/%^()<>=,;\n])
""", re.VERBOSE)

_BINARY = {  # operator -> (precedence, function)
    "+": (1, operator.add), "-": (1, operator.sub),
    "*": (2, operator.mul), "/": (2, cm.divide), "//": (2, operator.floordiv),
    "%": (2, operator.mod),
}
_COMPARE = {"==": operator.eq, "!=": operator.ne, "<": operator.lt,
            "<=": operator.le, ">": operator.gt, ">=": operator.ge}


class Token(NamedTuple):
    kind: str   # num, name, op, end
    text: str
    pos: int

    def shown(self) -> str:
        if self.kind == "end":
            return "end of input"
        return "newline" if self.text == "\n" else f"'{self.text}'"


def tokenize(text: str) -> list[Token]:
    tokens, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise error("validation_error",
                        f"unexpected character {text[pos]!r} at column {pos + 1}")
        if m.lastgroup != "space":
            kind = m.lastgroup
            tokens.append(Token(kind, m.group(), pos))
        pos = m.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


def _number(text: str):
    if any(c in text for c in ".eE"):
        return float(text)
    return int(text)


def _at(tok: Token) -> str:
    return f" at column {tok.pos + 1}"


class Evaluator:
    """Evaluates one program against ``variables`` (updated by assignments)."""

    def __init__(self, text: str, variables: dict):
        self.tokens = tokenize(text)
        self.i = 0
        self.vars = variables
        self.depth = 0

    # -- token helpers -----------------------------------------------------
    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def take(self) -> Token:
        tok = self.peek()
        self.i += 1
        return tok

    def is_op(self, *texts: str, ahead: int = 0) -> bool:
        tok = self.peek(ahead)
        return tok.kind == "op" and tok.text in texts

    def expect(self, text: str, opened: Token) -> None:
        if not self.is_op(text):
            tok = self.peek()
            raise error("validation_error",
                        f"expected '{text}' to close '{opened.text}' from column "
                        f"{opened.pos + 1}, found {tok.shown()}{_at(tok)}")
        self.take()

    def unexpected(self, tok: Token):
        return error("validation_error", f"unexpected {tok.shown()}{_at(tok)}")

    @contextmanager
    def nested(self, tok: Token):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise error("validation_error", f"expression nested too deeply{_at(tok)} "
                        f"(at most {MAX_DEPTH} levels)")
        try:
            yield
        finally:
            self.depth -= 1

    # -- grammar -------------------------------------------------------------
    def program(self):
        result, seen = None, False
        while self.peek().kind != "end":
            if self.is_op(";", "\n"):
                self.take()
                continue
            result, seen = self.statement(), True
            if not (self.is_op(";", "\n") or self.peek().kind == "end"):
                raise self.unexpected(self.peek())
        if not seen:
            raise error("validation_error", "empty expression")
        return result

    def statement(self):
        tok = self.peek()
        if tok.kind == "name" and self.is_op("=", ahead=1):
            if tok.text in cm.CONSTANTS or tok.text in cm.FUNCTIONS:
                raise error("validation_error",
                            f"cannot assign to built-in name '{tok.text}'{_at(tok)}")
            self.i += 2
            value = self.comparison()
            self.vars[tok.text] = value
            return value
        return self.comparison()

    def comparison(self):
        left = self.sum()
        if not self.is_op(*_COMPARE):
            return left
        holds = True
        while self.is_op(*_COMPARE):
            compare = _COMPARE[self.take().text]
            right = self.sum()
            holds = holds and compare(left, right)
            left = right
        return 1 if holds else 0

    def sum(self, min_prec: int = 1):
        left = self.unary()
        while self.peek().kind == "op" and self.peek().text in _BINARY:
            prec, fn = _BINARY[self.peek().text]
            if prec < min_prec:
                break
            tok = self.take()
            right = self.sum(prec + 1)
            left = self.apply(fn, left, right, tok)
        return left

    def unary(self):
        if self.is_op("-", "+"):
            tok = self.take()
            with self.nested(tok):
                value = self.unary()
            return -value if tok.text == "-" else value
        return self.power()

    def power(self):
        base = self.atom()
        if self.is_op("^", "**"):
            tok = self.take()
            with self.nested(tok):
                exponent = self.unary()
            return self.apply(cm.power, base, exponent, tok)
        return base

    def atom(self):
        tok = self.take()
        if tok.kind == "num":
            return _number(tok.text)
        if tok.kind == "name":
            if self.is_op("("):
                return self.call(tok)
            return self.lookup(tok)
        if tok.kind == "op" and tok.text == "(":
            with self.nested(tok):
                value = self.comparison()
            self.expect(")", tok)
            return value
        raise self.unexpected(tok)

    def call(self, name: Token):
        if name.text not in cm.FUNCTIONS:
            hint = _hint(name.text, cm.FUNCTIONS)
            raise error("validation_error", f"unknown function '{name.text}'{_at(name)}{hint}")
        opened = self.take()
        args = []
        with self.nested(opened):
            if not self.is_op(")"):
                args.append(self.comparison())
                while self.is_op(","):
                    self.take()
                    args.append(self.comparison())
        self.expect(")", opened)
        return cm.call(name.text, args, _at(name))

    def lookup(self, tok: Token):
        if tok.text in self.vars:
            return self.vars[tok.text]
        if tok.text in cm.CONSTANTS:
            return cm.CONSTANTS[tok.text]
        if tok.text in cm.FUNCTIONS:
            raise error("validation_error",
                        f"'{tok.text}' is a function; call it as {tok.text}(...){_at(tok)}")
        known = [*self.vars, *cm.CONSTANTS]
        raise error("validation_error",
                    f"unknown name '{tok.text}'{_at(tok)}{_hint(tok.text, known)}")

    @staticmethod
    def apply(fn, left, right, tok: Token):
        try:
            return cm.check(fn(left, right), _at(tok))
        except ZeroDivisionError:
            raise error("execution_error", f"division by zero{_at(tok)}") from None
        except OverflowError:
            raise error("execution_error", f"result too large{_at(tok)}") from None
        except ValueError:
            raise error("execution_error",
                        f"math domain error: {left!r} {tok.text} {right!r}{_at(tok)}") from None


def _hint(name: str, candidates) -> str:
    close = difflib.get_close_matches(name, list(candidates), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def evaluate(text: str, variables: dict):
    """Run ``text`` (statements separated by ';' or newlines); the last value."""
    return Evaluator(text, variables).program()
