"""Tokens of MIDL/DCE IDL, with file:line on every token.

Handles comments, object-like `#define NAME tokens` (expanded where NAME is
used later), and the raw arguments of uuid(...) and version(...), which are
not C tokens (e.g. 312cc019-d5cd-4ca7-8c10-9e0a661f147e, 3.0).
"""

import re


class IdlError(Exception):
    def __init__(self, loc, msg):
        super().__init__(f"{loc}: error: {msg}")
        self.loc = loc
        self.msg = msg


class Loc:
    __slots__ = ("file", "line")

    def __init__(self, file, line):
        self.file = file
        self.line = line

    def __str__(self):
        return f"{self.file}:{self.line}"


class Tok:
    __slots__ = ("kind", "value", "loc")

    def __init__(self, kind, value, loc):
        self.kind = kind    # 'id', 'num', 'str', 'raw', 'punct', 'eof'
        self.value = value
        self.loc = loc

    def __repr__(self):
        return f"Tok({self.kind},{self.value!r},{self.loc})"


_PUNCT = ["<<", ">>", "==", "!=", "<=", ">=", "&&", "||",
          "{", "}", "[", "]", "(", ")", ";", ",", "*", "=", ":", "&", "|",
          "~", "+", "-", "/", "%", "<", ">", "!", "?", "^", "."]

_TOKEN_RE = re.compile(r"""
    (?P<ws>[ \t\r\f\v]+)
  | (?P<nl>\n)
  | (?P<lcomment>//[^\n]*)
  | (?P<bcomment>/\*.*?\*/)
  | (?P<str>"(?:[^"\\\n]|\\.)*")
  | (?P<num>0[xX][0-9a-fA-F]+[uUlL]*|[0-9]+[uUlL]*)
  | (?P<id>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct><<|>>|==|!=|<=|>=|&&|\|\||[{}\[\]();,*=:&|~+\-/%<>!?^.])
""", re.VERBOSE | re.DOTALL)

_RAW_ARG_ATTRS = ("uuid", "version")


def _parse_int(text):
    t = text.rstrip("uUlL")
    return int(t, 16) if t[:2].lower() == "0x" else int(t, 10)


def tokenize(path, text):
    """Returns the tokens of TEXT (from PATH), macros expanded."""
    toks = []
    macros = {}
    line = 1
    pos = 0
    n = len(text)
    at_line_start = True
    while pos < n:
        # Preprocessor lines.
        if at_line_start:
            m = re.match(r"[ \t]*#", text[pos:])
            if m:
                end = text.find("\n", pos)
                if end < 0:
                    end = n
                directive = text[pos:end].strip()
                loc = Loc(path, line)
                dm = re.match(r"#\s*define\s+([A-Za-z_][A-Za-z0-9_]*)\s*(.*)$", directive)
                if dm:
                    if dm.group(2).startswith("("):
                        raise IdlError(loc, "function-like macros are not supported")
                    body = [t for t in tokenize(path, dm.group(2)) if t.kind != "eof"]
                    for t in body:
                        t.loc = loc
                    macros[dm.group(1)] = body
                elif re.match(r"#\s*pragma\b", directive):
                    pass
                else:
                    raise IdlError(loc, f"unsupported preprocessor directive: {directive}")
                pos = end
                continue
        m = _TOKEN_RE.match(text, pos)
        if not m:
            raise IdlError(Loc(path, line), f"unexpected character {text[pos]!r}")
        kind = m.lastgroup
        value = m.group(kind)
        loc = Loc(path, line)
        pos = m.end()
        if kind == "nl":
            line += 1
            at_line_start = True
            continue
        if kind in ("ws", "lcomment"):
            continue
        if kind == "bcomment":
            line += value.count("\n")
            continue
        at_line_start = False
        if kind == "str":
            toks.append(Tok("str", bytes(value[1:-1], "utf-8").decode("unicode_escape"), loc))
        elif kind == "num":
            toks.append(Tok("num", _parse_int(value), loc))
        elif kind == "id":
            if value in macros:
                for t in macros[value]:
                    toks.append(Tok(t.kind, t.value, loc))
                continue
            toks.append(Tok("id", value, loc))
            # uuid(...) / version(...): capture the argument as raw text.
            if value in _RAW_ARG_ATTRS:
                m2 = re.match(r"[ \t]*\(([^)\n]*)\)", text[pos:])
                if m2:
                    toks.append(Tok("punct", "(", loc))
                    toks.append(Tok("raw", m2.group(1).strip(), loc))
                    toks.append(Tok("punct", ")", loc))
                    pos += m2.end()
        else:
            toks.append(Tok("punct", value, loc))
    toks.append(Tok("eof", None, Loc(path, line)))
    return toks
