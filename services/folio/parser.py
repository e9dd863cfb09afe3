"""A CQL parser that accepts and rejects what cql-java 1.13 (CQL 1.2 mode) does.

The PyPI `cql-parser` package was judged and not used: it rejects syntax FOLIO's own
UI sends (`inactive=("false" or "true")`, unquoted multi-word terms) and accepts what
cql-java rejects (`lastName exact Fury`, upper-case `ANY`). This module mirrors
cql-java's lexer and recursive-descent parser instead, error texts included.
"""
from __future__ import annotations

from .ast import Boolean, Modifier, Node, Prefix, Sort, SortKey, Term
from .errors import CQLParseError

# token kinds
EOF_, WORD, STRING, AND, OR, NOT, PROX, SORTBY = "EOF", "WORD", "STRING", "and", "or", "not", "prox", "sortby"
EQEQ, LE, GE, NE = "==", "<=", ">=", "<>"
KEYWORDS = {"and": AND, "or": OR, "not": NOT, "prox": PROX, "sortby": SORTBY}
BOOLEANS = (AND, OR, NOT, PROX)
SYMBOLIC_RELATIONS = ("<", ">", "=", LE, GE, NE, EQEQ)
# Named relations are recognised only in lower case; `exact` is not one in CQL 1.2.
NAMED_RELATIONS = ("any", "all", "within", "encloses", "adj")
WORD_BREAKS = "()/<>= \t\r\n"


class _Lexer:
    """cql-java's CQLLexer: one token of look-ahead (`kind`, `value`)."""

    def __init__(self, text: str):
        self.text = text
        self.pos = 0
        self.kind = EOF_
        self.value = ""

    def move(self) -> None:
        text, n = self.text, len(self.text)
        while self.pos < n and text[self.pos] in " \t\r\n":
            self.pos += 1
        if self.pos == n:
            self.kind = EOF_
            return
        c = text[self.pos]
        if c in "()/":
            self.kind = c
            self.pos += 1
        elif c in "<>=":
            self.kind = c
            self.pos += 1
            pair = c + text[self.pos:self.pos + 1]
            if pair in (EQEQ, LE, GE, NE):
                self.kind = pair
                self.pos += 1
        elif c == '"':
            self._quoted()
        else:
            start = self.pos
            while self.pos < n and text[self.pos] not in WORD_BREAKS:
                self.pos += 1
            self.value = text[start:self.pos]
            self.kind = KEYWORDS.get(self.value.lower(), WORD)

    def _quoted(self) -> None:
        # \" -> ", \* \? \^ \\ keep their backslash (masking for later stages), \x -> x
        text, n = self.text, len(self.text)
        self.pos += 1
        out: list[str] = []
        escaped = False
        while self.pos < n:
            ch = text[self.pos]
            if not escaped and ch == '"':
                break
            if escaped and ch in "*?^\\":
                out.append("\\")
            if not escaped and ch == "\\":
                escaped = True
                self.pos += 1
                continue
            escaped = False
            out.append(ch)
            self.pos += 1
        self.value = "".join(out)
        if self.pos < n:
            self.pos += 1
            self.kind = STRING
        else:
            self.kind = EOF_  # unterminated string: reported as EOF by the parser

    def render(self, kind: str | None = None, quote_chars: bool = True) -> str:
        """How cql-java names a token in error messages."""
        kind = self.kind if kind is None else kind
        if kind == EOF_:
            return "EOF"
        if kind == WORD:
            return f"word: '{self.value}'"
        if kind == STRING:
            return f'string: "{self.value}"'
        if len(kind) == 1:
            return f"'{kind}'" if quote_chars else kind
        return kind


class _Parser:
    def __init__(self, text: str):
        self.lexer = _Lexer(text)
        self.lexer.move()

    # -- helpers
    @property
    def kind(self) -> str:
        return self.lexer.kind

    def match(self, kind: str) -> None:
        if self.kind != kind:
            raise CQLParseError(f"expected {self.lexer.render(kind)}, got {self.lexer.render()}")
        self.lexer.move()

    def match_symbol(self, expected: str) -> str:
        if self.kind in (WORD, STRING, AND, OR, NOT, PROX, SORTBY):
            value = self.lexer.value
            self.lexer.move()
            return value
        raise CQLParseError(f"expected {expected}, got {self.lexer.render()}")

    def is_symbolic_relation(self) -> bool:
        return self.kind in SYMBOLIC_RELATIONS

    def is_relation(self) -> bool:
        if self.kind == WORD and ("." in self.lexer.value or self.lexer.value in NAMED_RELATIONS):
            return True
        return self.is_symbolic_relation()

    # -- grammar
    def parse(self) -> Node:
        root = self.top_level("cql.serverChoice", "=", ())
        if self.kind != EOF_:
            raise CQLParseError(f"junk after end: {self.lexer.render()}")
        return root

    def top_level(self, index: str, relation: str, mods: tuple) -> Node:
        if self.kind == ">":
            return self.prefix(index, relation, mods, top_level=True)
        node = self.query(index, relation, mods)
        if self.kind == SORTBY:
            self.match(SORTBY)
            keys: list[SortKey] = []
            while self.kind != EOF_:
                sort_index = self.match_symbol("sort index")
                keys.append(SortKey(sort_index, self.modifiers()))
            if not keys:
                raise CQLParseError("no sort keys")
            node = Sort(node, tuple(keys))
        return node

    def query(self, index: str, relation: str, mods: tuple) -> Node:
        node = self.term(index, relation, mods)
        while self.kind not in (EOF_, ")", SORTBY):
            if self.kind in BOOLEANS:
                op = self.kind
                self.match(op)
                bool_mods = self.modifiers()
                right = self.term(index, relation, mods)
                node = Boolean(op, node, right, bool_mods)
            else:
                raise CQLParseError(f"expected boolean, got {self.lexer.render()}")
        return node

    def modifiers(self) -> tuple[Modifier, ...]:
        found: list[Modifier] = []
        while self.kind == "/":
            self.match("/")
            if self.kind != WORD:
                raise CQLParseError(f"expected modifier, got {self.lexer.render()}")
            name = self.lexer.value.lower()
            self.match(WORD)
            if not self.is_symbolic_relation():
                found.append(Modifier(name))
            else:
                comparison = self.lexer.render(self.kind, quote_chars=False)
                self.match(self.kind)
                found.append(Modifier(name, comparison, self.match_symbol("modifier value")))
        return tuple(found)

    def term(self, index: str, relation: str, mods: tuple) -> Node:
        while True:
            if self.kind == "(":
                self.match("(")
                node = self.query(index, relation, mods)
                self.match(")")
                return node
            if self.kind == ">":
                return self.prefix(index, relation, mods, top_level=False)
            first = self.match_symbol("index or term")
            words = [first]
            # Words and strings after the first are joined into one term; only the
            # second position may hold a relation.
            while self.kind in (WORD, STRING) and (len(words) > 1 or not self.is_relation()):
                words.append(self.lexer.value)
                self.match(self.kind)
            if not self.is_relation():
                break
            relation = self.lexer.value if self.kind == WORD else self.lexer.render(self.kind, quote_chars=False)
            if len(words) > 1:
                raise CQLParseError(f"unexpected relation '{relation}'")
            index = first
            self.match(self.kind)
            mods = self.modifiers()
        return Term(index, relation, " ".join(words), mods)

    def prefix(self, index: str, relation: str, mods: tuple, *, top_level: bool) -> Node:
        self.match(">")
        name = None
        identifier = self.match_symbol("prefix-name")
        if self.kind == "=":
            self.match("=")
            name = identifier
            identifier = self.match_symbol("prefix-identifer")
        subtree = self.top_level(index, relation, mods) if top_level else self.query(index, relation, mods)
        return Prefix(name, identifier, subtree)


def parse(text: str) -> Node:
    """Parse a CQL query string; CQLParseError carries cql-java's message."""
    return _Parser(text).parse()


def _maybe_quote(text: str) -> str:
    if text == "" or any(ch in text for ch in ' \t=<>()/"'):
        return '"' + text.replace('"', '\\"') + '"'
    return text


def term_to_cql(node: Term) -> str:
    """cql-java's CQLTermNode.toCQL(), used inside some error texts."""
    relation = node.relation + "".join(
        f"/{m.name}" + (f"{m.comparison}{m.value}" if m.comparison else "") for m in node.modifiers)
    if node.index.lower() in ("cql.serverchoice", "srw.serverchoice"):
        return _maybe_quote(node.term)
    return f"{_maybe_quote(node.index)} {relation} {_maybe_quote(node.term)}"
