"""Parser of the IDL subset istmd needs: a syntax tree, no semantics yet.

Grammar (MIDL flavour of DCE IDL, see docs/idlc.md):
  file      := { import | const | typedef | typedecl | interface | ';' }
  interface := attrs 'interface' ID [':' ID] '{' { const | typedef | typedecl | method | ';' } '}' [';']
             | 'interface' ID ';'                                   (forward declaration)
  method    := attrs type ID '(' ( 'void' | [param {',' param}] ) ')' ';'
  param     := attrs type declarator
  typedef   := 'typedef' attrs type declarator {',' declarator} ';'
  declarator:= {'*' | 'const'} ID { '[' [expr] ']' }
  attrs     := { '[' attr {',' attr} ']' }
"""

from idl_lexer import IdlError, tokenize


# ---------------------------------------------------------------- syntax tree

class Node:
    def __init__(self, loc, **kw):
        self.loc = loc
        self.__dict__.update(kw)

    def __repr__(self):
        items = ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items() if k != "loc")
        return f"{type(self).__name__}({items})"


class Attr(Node):
    """name, args: list of token lists (None for an empty position) or None."""

    def arg_expr(self, i=0):
        if not self.args or i >= len(self.args) or self.args[i] is None:
            return None
        return parse_expr_tokens(self.args[i], self.loc)

    def arg_text(self, i=0):
        if not self.args or i >= len(self.args) or self.args[i] is None:
            return None
        return " ".join(str(t.value) for t in self.args[i])


class Attrs:
    def __init__(self, items=None):
        self.items = list(items or [])

    def get(self, name):
        for a in self.items:
            if a.name == name:
                return a
        return None

    def has(self, name):
        return self.get(name) is not None

    def names(self):
        return [a.name for a in self.items]

    def __iter__(self):
        return iter(self.items)


class TypeSpec(Node):
    """kind: 'base' (words), 'named' (name), 'struct'/'union'/'enum' (name, body)."""


class Declarator(Node):
    """stars: int, name, arrays: list of Expr-or-None ([] = conformant)."""


class Field(Node):
    """attrs, type, decl"""


class UnionArm(Node):
    """attrs (case/default), field (or None for an empty arm)"""


class EnumItem(Node):
    """name, value (Expr or None)"""


class Const(Node):
    """type, name, expr"""


class Typedef(Node):
    """attrs, type, decls"""


class TypeDecl(Node):
    """type (a struct/union/enum TypeSpec declared without typedef)"""


class Import(Node):
    """names"""


class Param(Node):
    """attrs, type, decl"""


class Method(Node):
    """attrs, rettype, name, params"""


class Interface(Node):
    """attrs, name, base, body"""


class IdlFile(Node):
    """path, items"""


# Expressions: ('num', v) ('id', name) ('deref', e) ('un', op, e) ('bin', op, a, b)
# ('cond', c, a, b)

_BINARY_PREC = [
    ["||"], ["&&"], ["|"], ["^"], ["&"], ["==", "!="], ["<", ">", "<=", ">="],
    ["<<", ">>"], ["+", "-"], ["*", "/", "%"],
]


class _ExprParser:
    def __init__(self, toks, loc):
        self.toks = toks
        self.i = 0
        self.loc = loc

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self):
        t = self.peek()
        if t is None:
            raise IdlError(self.loc, "unexpected end of expression")
        self.i += 1
        return t

    def parse(self):
        e = self.cond()
        if self.peek() is not None:
            raise IdlError(self.peek().loc, f"unexpected {self.peek().value!r} in expression")
        return e

    def cond(self):
        c = self.binary(0)
        t = self.peek()
        if t is not None and t.kind == "punct" and t.value == "?":
            self.take()
            a = self.cond()
            t = self.take()
            if t.value != ":":
                raise IdlError(t.loc, "expected ':'")
            b = self.cond()
            return ("cond", c, a, b)
        return c

    def binary(self, level):
        if level == len(_BINARY_PREC):
            return self.unary()
        e = self.binary(level + 1)
        while True:
            t = self.peek()
            if t is not None and t.kind == "punct" and t.value in _BINARY_PREC[level]:
                self.take()
                e = ("bin", t.value, e, self.binary(level + 1))
            else:
                return e

    def unary(self):
        t = self.take()
        if t.kind == "punct" and t.value in ("-", "~", "!", "+"):
            return ("un", t.value, self.unary())
        if t.kind == "punct" and t.value == "*":
            return ("deref", self.unary())
        if t.kind == "punct" and t.value == "(":
            e = self.cond()
            t2 = self.take()
            if t2.value != ")":
                raise IdlError(t2.loc, "expected ')'")
            return e
        if t.kind == "num":
            return ("num", t.value)
        if t.kind == "id":
            return ("id", t.value)
        raise IdlError(t.loc, f"unexpected {t.value!r} in expression")


def parse_expr_tokens(toks, loc):
    return _ExprParser(toks, loc).parse()


# ---------------------------------------------------------------- parser

_BASE_WORDS = {"unsigned", "signed", "long", "short", "int", "char", "small", "hyper",
               "byte", "boolean", "void", "double", "float", "wchar_t", "handle_t",
               "__int8", "__int16", "__int32", "__int64", "__int3264"}
# What may follow unsigned/signed.
_SIZE_WORDS = {"long", "short", "int", "char", "small", "hyper",
               "__int8", "__int16", "__int32", "__int64", "__int3264"}


class Parser:
    def __init__(self, path, text):
        self.path = path
        self.toks = tokenize(path, text)
        self.i = 0

    # token helpers
    def peek(self, k=0):
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def next(self):
        t = self.toks[self.i]
        if t.kind != "eof":
            self.i += 1
        return t

    def is_punct(self, v, k=0):
        t = self.peek(k)
        return t.kind == "punct" and t.value == v

    def is_id(self, v=None, k=0):
        t = self.peek(k)
        return t.kind == "id" and (v is None or t.value == v)

    def expect_punct(self, v):
        t = self.next()
        if t.kind != "punct" or t.value != v:
            raise IdlError(t.loc, f"expected '{v}', found {self.describe(t)}")
        return t

    def expect_id(self, what="identifier"):
        t = self.next()
        if t.kind != "id":
            raise IdlError(t.loc, f"expected {what}, found {self.describe(t)}")
        return t

    @staticmethod
    def describe(t):
        return "end of file" if t.kind == "eof" else repr(t.value)

    # grammar
    def parse_file(self):
        items = []
        while self.peek().kind != "eof":
            if self.is_punct(";"):
                self.next()
                continue
            items.append(self.parse_top_item())
        return IdlFile(self.toks[0].loc, path=self.path, items=items)

    def parse_top_item(self):
        t = self.peek()
        if self.is_id("import"):
            return self.parse_import()
        if self.is_id("cpp_quote"):
            raise IdlError(t.loc, "cpp_quote is not supported")
        attrs = self.parse_attrs()
        if self.is_id("interface"):
            return self.parse_interface(attrs)
        if attrs.items:
            raise IdlError(t.loc, "attributes are only allowed before interface, typedef, "
                                  "method, parameter and field declarations")
        return self.parse_decl_item(allow_methods=False)

    def parse_decl_item(self, allow_methods):
        t = self.peek()
        if self.is_id("import"):
            return self.parse_import()
        if self.is_id("const"):
            return self.parse_const()
        if self.is_id("typedef"):
            return self.parse_typedef()
        if self.is_id("struct") or self.is_id("union") or self.is_id("enum"):
            # struct/union/enum declared without typedef, or a method returning one
            save = self.i
            ts = self.parse_type()
            if self.is_punct(";"):
                self.next()
                if ts.body is None:
                    raise IdlError(t.loc, "forward declarations of types are not supported")
                return TypeDecl(t.loc, type=ts)
            self.i = save
        if allow_methods:
            return self.parse_method(self.parse_attrs())
        raise IdlError(t.loc, f"unexpected {self.describe(t)}")

    def parse_import(self):
        loc = self.next().loc
        names = [self.next_str()]
        while self.is_punct(","):
            self.next()
            names.append(self.next_str())
        self.expect_punct(";")
        return Import(loc, names=names)

    def next_str(self):
        t = self.next()
        if t.kind != "str":
            raise IdlError(t.loc, f"expected a string, found {self.describe(t)}")
        return t.value

    def parse_const(self):
        loc = self.next().loc
        ts = self.parse_type()
        stars = 0
        while self.is_punct("*"):
            self.next()
            stars += 1
        name = self.expect_id("constant name").value
        self.expect_punct("=")
        expr = self.parse_expr_until({";"})
        self.expect_punct(";")
        return Const(loc, type=ts, stars=stars, name=name, expr=expr)

    def parse_typedef(self):
        loc = self.next().loc
        attrs = self.parse_attrs()
        ts = self.parse_type()
        decls = [self.parse_declarator()]
        while self.is_punct(","):
            self.next()
            decls.append(self.parse_declarator())
        self.expect_punct(";")
        return Typedef(loc, attrs=attrs, type=ts, decls=decls)

    def parse_interface(self, attrs):
        loc = self.next().loc
        name = self.expect_id("interface name").value
        if self.is_punct(";"):
            self.next()
            return Interface(loc, attrs=attrs, name=name, base=None, body=None)
        base = None
        if self.is_punct(":"):
            self.next()
            base = self.expect_id("base interface name").value
        self.expect_punct("{")
        body = []
        while not self.is_punct("}"):
            if self.peek().kind == "eof":
                raise IdlError(loc, f"interface {name} is not closed")
            if self.is_punct(";"):
                self.next()
                continue
            body.append(self.parse_decl_item(allow_methods=True))
        self.next()
        if self.is_punct(";"):
            self.next()
        return Interface(loc, attrs=attrs, name=name, base=base, body=body)

    def parse_method(self, attrs):
        loc = self.peek().loc
        rettype = self.parse_type()
        if self.is_punct("*"):
            raise IdlError(self.peek().loc, "methods returning pointers are not supported")
        name = self.expect_id("method name").value
        self.expect_punct("(")
        params = []
        if self.is_id("void") and self.is_punct(")", 1):
            self.next()
        elif not self.is_punct(")"):
            params.append(self.parse_param())
            while self.is_punct(","):
                self.next()
                params.append(self.parse_param())
        self.expect_punct(")")
        self.expect_punct(";")
        return Method(loc, attrs=attrs, rettype=rettype, name=name, params=params)

    def parse_param(self):
        loc = self.peek().loc
        attrs = self.parse_attrs()
        ts = self.parse_type()
        decl = self.parse_declarator()
        return Param(loc, attrs=attrs, type=ts, decl=decl)

    def parse_attrs(self):
        items = []
        while self.is_punct("["):
            self.next()
            while True:
                if self.is_punct("]"):
                    break
                items.append(self.parse_attr())
                if self.is_punct(","):
                    self.next()
                    continue
                break
            self.expect_punct("]")
        return Attrs(items)

    def parse_attr(self):
        t = self.expect_id("attribute")
        args = None
        if self.is_punct("("):
            self.next()
            args = []
            cur = []
            depth = 0
            while True:
                a = self.next()
                if a.kind == "eof":
                    raise IdlError(t.loc, f"attribute {t.value} is not closed")
                if a.kind == "punct" and a.value == "(":
                    depth += 1
                elif a.kind == "punct" and a.value == ")":
                    if depth == 0:
                        args.append(cur or None)
                        break
                    depth -= 1
                elif a.kind == "punct" and a.value == "," and depth == 0:
                    args.append(cur or None)
                    cur = []
                    continue
                cur.append(a)
        return Attr(t.loc, name=t.value, args=args)

    def parse_type(self):
        loc = self.peek().loc
        while self.is_id("const"):
            self.next()
        if self.is_id("struct") or self.is_id("union") or self.is_id("enum"):
            kind = self.next().value
            name = None
            if self.is_id():
                name = self.next().value
            body = None
            if self.is_punct("{"):
                body = {"struct": self.parse_struct_body,
                        "union": self.parse_union_body,
                        "enum": self.parse_enum_body}[kind]()
            ts = TypeSpec(loc, kind=kind, name=name, body=body)
        elif self.is_id() and self.peek().value in _BASE_WORDS:
            words = [self.next().value]
            if words[0] in ("unsigned", "signed"):
                if self.is_id() and self.peek().value in _SIZE_WORDS:
                    words.append(self.next().value)
            if words[-1] in ("long", "short") and self.is_id("int"):
                words.append(self.next().value)
            ts = TypeSpec(loc, kind="base", words=words)
        elif self.is_id():
            ts = TypeSpec(loc, kind="named", name=self.next().value)
        else:
            raise IdlError(loc, f"expected a type, found {self.describe(self.peek())}")
        while self.is_id("const"):
            self.next()
        return ts

    def parse_declarator(self):
        loc = self.peek().loc
        stars = 0
        while self.is_punct("*") or self.is_id("const"):
            if self.next().value == "*":
                stars += 1
        name = self.expect_id("declarator name").value
        arrays = []
        while self.is_punct("["):
            self.next()
            if self.is_punct("]"):
                arrays.append(None)
            else:
                arrays.append(self.parse_expr_until({"]"}))
            self.expect_punct("]")
        return Declarator(loc, stars=stars, name=name, arrays=arrays)

    def parse_expr_until(self, stops):
        toks = []
        depth = 0
        loc = self.peek().loc
        while True:
            t = self.peek()
            if t.kind == "eof":
                raise IdlError(loc, "unterminated expression")
            if t.kind == "punct" and t.value in stops and depth == 0:
                break
            if t.kind == "punct" and t.value in ("(", "["):
                depth += 1
            if t.kind == "punct" and t.value in (")", "]"):
                depth -= 1
            toks.append(self.next())
        if not toks:
            raise IdlError(loc, "expected an expression")
        return parse_expr_tokens(toks, loc)

    def parse_struct_body(self):
        self.expect_punct("{")
        fields = []
        while not self.is_punct("}"):
            loc = self.peek().loc
            attrs = self.parse_attrs()
            ts = self.parse_type()
            if self.is_punct(";"):
                raise IdlError(loc, "anonymous struct or union members are not supported")
            decl = self.parse_declarator()
            fields.append(Field(loc, attrs=attrs, type=ts, decl=decl))
            while self.is_punct(","):
                self.next()
                fields.append(Field(loc, attrs=attrs, type=ts, decl=self.parse_declarator()))
            self.expect_punct(";")
        self.next()
        return fields

    def parse_union_body(self):
        self.expect_punct("{")
        arms = []
        while not self.is_punct("}"):
            loc = self.peek().loc
            attrs = self.parse_attrs()
            if self.is_punct(";"):
                self.next()
                arms.append(UnionArm(loc, attrs=attrs, field=None))
                continue
            ts = self.parse_type()
            decl = self.parse_declarator()
            self.expect_punct(";")
            arms.append(UnionArm(loc, attrs=attrs, field=Field(loc, attrs=attrs, type=ts, decl=decl)))
        self.next()
        return arms

    def parse_enum_body(self):
        self.expect_punct("{")
        items = []
        while not self.is_punct("}"):
            t = self.expect_id("enumerator")
            value = None
            if self.is_punct("="):
                self.next()
                value = self.parse_expr_until({",", "}"})
            items.append(EnumItem(t.loc, name=t.value, value=value))
            if self.is_punct(","):
                self.next()
            elif not self.is_punct("}"):
                raise IdlError(self.peek().loc, f"expected ',' or '}}', found {self.describe(self.peek())}")
        self.next()
        return items


def parse_file(path, display_name=None):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return Parser(display_name or path, text).parse_file()
