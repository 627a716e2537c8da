"""Semantics of the parsed IDL: one global namespace over all files, resolved
types with their NDR properties, interfaces with opnums counted through the
inheritance chain, and methods with their parameters.

NDR rules implemented here (C706 chapter 14, MS-RPCE 2.2.4): primitive
alignment = size, structures align to their largest member, pointers are
4 bytes, enums 2 bytes unless [v1_enum], top-level pointer parameters are
[ref] unless attributed, other pointers take the interface's pointer_default
(unique when absent, MS-RPCE 2.2.4.9).
"""

import os
import re

from idl_lexer import IdlError

from idl_parser import (Const, Import, Interface, Method, TypeDecl, Typedef,
                        parse_expr_tokens, parse_file)
# The types and their helpers; the emitters import them from here too.
from idl_types import *  # noqa: F401,F403

C_KEYWORDS = {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double",
    "else", "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long",
    "register", "restrict", "return", "short", "signed", "sizeof", "static", "struct",
    "switch", "typedef", "union", "unsigned", "void", "volatile", "while", "_Bool",
    "bool", "true", "false", "NULL",
}

KNOWN_ATTRS = {
    "in", "out", "ref", "unique", "ptr", "string", "size_is", "length_is", "switch_is",
    "switch_type", "case", "default", "range", "context_handle", "v1_enum", "retval",
    "propget", "propput", "idempotent", "disable_consistency_check", "local", "object",
    "uuid", "version", "pointer_default", "endpoint", "helpstring", "iid_is", "public",
    "packet", "remaining",
}


class Model:
    def __init__(self):
        self.files = []
        self.names = {}           # ordinary name -> Alias / EnumDef / StructDef / UnionDef / InterfaceDef
        self.consts = {}          # const and enumerator name -> (value, ConstDef or EnumDef)
        self.interfaces = {}
        self.enums = {}
        self.structs = {}
        self.unions = {}
        self.tags = {}            # struct/union/enum tag -> definition

    # ---- loading

    def load(self, paths):
        asts = []
        for path in paths:
            fi = FileInfo(path)
            self.files.append(fi)
            asts.append((fi, parse_file(path, os.path.relpath(path))))
        by_name = {f.idl_name: f for f in self.files}
        for fi, ast in asts:
            for item in ast.items:
                if isinstance(item, Import):
                    for n in item.names:
                        if n not in by_name:
                            raise IdlError(item.loc, f'imported file "{n}" is not among the IDL files given')
                        fi.imports.append(by_name[n])
        # Definitions are processed imports first, so a file sees the types of
        # everything it imports, directly or not.
        ordered = []

        def visit(fi, ast, stack):
            if any(fi is x for x, _ in ordered):
                return
            if fi in stack:
                raise IdlError(f"{fi.path}:1", "import cycle: " + " -> ".join(x.idl_name for x in stack + [fi]))
            for imp in fi.imports:
                visit(imp, next(a for f, a in asts if f is imp), stack + [fi])
            ordered.append((fi, ast))

        for fi, ast in asts:
            visit(fi, ast, [])
        for fi, ast in ordered:
            self.declare_items(fi, ast.items, scope=None)
        self.resolve_interfaces()
        for fi, ast in ordered:
            self.define_items(fi, ast.items, scope=None)
        for iface in self.interfaces.values():
            for k, m in enumerate(iface.methods):
                m.opnum = iface.first_opnum + k
        self.check_names()
        self.compute_deps()

    def declare_items(self, fi, items, scope):
        """First pass: interface names (they may be used before declaration)."""
        for item in items:
            if isinstance(item, Interface) and item.body is not None:
                if item.name in self.interfaces:
                    raise IdlError(item.loc, f"interface {item.name} is declared twice")
                iface = InterfaceDef(item.name, fi, item.loc)
                iface.ast = item
                self.interfaces[item.name] = iface
                self.add_name(item.name, iface, item.loc)
                fi.interfaces.append(iface)

    def resolve_interfaces(self):
        for iface in self.interfaces.values():
            ast = iface.ast
            self.check_attrs(ast.attrs, {"uuid", "version", "object", "pointer_default", "endpoint",
                                         "helpstring", "local"}, "interface")
            a = ast.attrs.get("uuid")
            if a is None:
                raise IdlError(ast.loc, f"interface {iface.name} has no uuid")
            u = a.args[0][0].value if a.args and a.args[0] else ""
            if not re.fullmatch(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", u):
                raise IdlError(a.loc, f"bad uuid {u!r}")
            iface.uuid = u.lower()
            a = ast.attrs.get("version")
            if a is not None:
                v = a.args[0][0].value if a.args and a.args[0] else ""
                m = re.fullmatch(r"(\d+)(?:\.(\d+))?", v)
                if not m:
                    raise IdlError(a.loc, f"bad version {v!r}")
                iface.version = (int(m.group(1)), int(m.group(2) or 0))
            iface.object = ast.attrs.has("object")
            a = ast.attrs.get("pointer_default")
            if a is not None:
                pd = a.arg_text()
                if pd not in ("ref", "unique", "ptr"):
                    raise IdlError(a.loc, f"bad pointer_default {pd!r}")
                iface.pointer_default = "full" if pd == "ptr" else pd
            a = ast.attrs.get("endpoint")
            if a is not None:
                iface.endpoints = [x[0].value for x in a.args if x]
            a = ast.attrs.get("helpstring")
            if a is not None:
                iface.helpstring = a.args[0][0].value
            if ast.base:
                if ast.base not in self.interfaces:
                    raise IdlError(ast.loc, f"base interface {ast.base} is not defined")
                iface.base = self.interfaces[ast.base]
        for iface in self.interfaces.values():
            seen = set()
            i = iface
            while i is not None:
                if i.name in seen:
                    raise IdlError(iface.loc, f"interface {iface.name} inherits from itself")
                seen.add(i.name)
                i = i.base
            if iface.base is not None and iface.base.object != iface.object:
                raise IdlError(iface.loc, f"{iface.name} and its base {iface.base.name} disagree on [object]")

    def add_name(self, name, defn, loc):
        if name in C_KEYWORDS:
            raise IdlError(loc, f"{name} is a C keyword")
        if name in self.names and self.names[name] is not defn:
            other = self.names[name]
            where = getattr(other, "loc", None)
            raise IdlError(loc, f"{name} is already defined" + (f" at {where}" if where else ""))
        self.names[name] = defn

    def define_items(self, fi, items, scope):
        for item in items:
            if isinstance(item, Import):
                continue
            if isinstance(item, Const):
                self.define_const(fi, item)
            elif isinstance(item, Typedef):
                self.define_typedef(fi, item, scope)
            elif isinstance(item, TypeDecl):
                self.define_typespec(fi, item.type, None, scope, item.loc)
            elif isinstance(item, Interface):
                if item.body is None:
                    continue
                iface = self.interfaces[item.name]
                self.define_items(fi, [x for x in item.body if not isinstance(x, Method)], iface)
                for x in item.body:
                    if isinstance(x, Method):
                        self.define_method(iface, x)
            elif isinstance(item, Method):
                raise IdlError(item.loc, "methods must be inside an interface")

    # ---- constants

    def eval_const(self, expr, loc):
        k = expr[0]
        if k == "num":
            return expr[1]
        if k == "id":
            if expr[1] not in self.consts:
                raise IdlError(loc, f"{expr[1]} is not a constant")
            return self.consts[expr[1]][0]
        if k == "un":
            v = self.eval_const(expr[2], loc)
            return {"-": -v, "+": v, "~": ~v, "!": int(not v)}[expr[1]]
        if k == "bin":
            a = self.eval_const(expr[2], loc)
            b = self.eval_const(expr[3], loc)
            op = expr[1]
            if op in ("/", "%") and b == 0:
                raise IdlError(loc, "division by zero")
            return {"+": a + b, "-": a - b, "*": a * b, "/": int(a / b) if b else 0, "%": a % b if b else 0,
                    "<<": a << b, ">>": a >> b, "&": a & b, "|": a | b, "^": a ^ b,
                    "==": int(a == b), "!=": int(a != b), "<": int(a < b), ">": int(a > b),
                    "<=": int(a <= b), ">=": int(a >= b), "&&": int(bool(a and b)),
                    "||": int(bool(a or b))}[op]
        if k == "cond":
            return self.eval_const(expr[2] if self.eval_const(expr[1], loc) else expr[3], loc)
        raise IdlError(loc, "not a constant expression")

    def define_const(self, fi, item):
        if item.stars:
            raise IdlError(item.loc, "pointer constants are not supported")
        ty = self.resolve_core_typespec(item.type, item.loc)
        if not isinstance(ty, PrimT) or ty.name == "double":
            raise IdlError(item.loc, "only integer constants are supported")
        v = self.eval_const(item.expr, item.loc)
        c = ConstDef(item.name, v, not ty.signed, fi, item.loc)
        if item.name in self.consts:
            raise IdlError(item.loc, f"constant {item.name} is already defined")
        self.add_name(item.name, c, item.loc)
        self.consts[item.name] = (v, c)
        fi.consts.append(c)

    # ---- types

    def check_attrs(self, attrs, allowed, what):
        for a in attrs:
            if a.name not in KNOWN_ATTRS:
                raise IdlError(a.loc, f"unknown attribute [{a.name}]")
            if a.name not in allowed:
                raise IdlError(a.loc, f"attribute [{a.name}] is not supported on {what}")

    def define_typedef(self, fi, item, scope):
        attrs = item.attrs
        self.check_attrs(attrs, {"v1_enum", "switch_type", "unique", "ref", "ptr", "context_handle",
                                 "disable_consistency_check", "public", "packet", "string"}, "typedef")
        ts = item.type
        first = item.decls[0]
        # Presented types (docs/idlc.md): GUID, HRESULT, BSTR, wchar_t.
        if ts.kind == "struct" and first.name == "GUID" and not first.stars and not first.arrays:
            self.check_guid(ts, item.loc)
            for d in item.decls:
                self.add_alias(fi, d, [Level("core", d.loc, core=GuidT())], attrs, scope)
            return
        if first.name == "HRESULT" and not first.stars and not first.arrays:
            self.add_name("HRESULT", Alias("HRESULT", [Level("core", item.loc, core=PrimT("uint32", hresult=True))],
                                           fi, item.loc), item.loc)
            return
        if first.name == "BSTR" and len(item.decls) == 1:
            if not (ts.kind == "named" and ts.name == "FLAGGED_WORD_BLOB" and first.stars == 1
                    and attrs.has("unique")):
                raise IdlError(item.loc, "BSTR must be the [MS-OAUT] 2.2.23.2 typedef "
                                         "[unique] FLAGGED_WORD_BLOB* BSTR")
            self.add_name("BSTR", Alias("BSTR", [Level("core", item.loc, core=BstrT())], fi, item.loc), item.loc)
            return
        if first.name == "wchar_t":
            if not (ts.kind == "base" and ts.words == ["unsigned", "short"]) or first.stars or first.arrays:
                raise IdlError(item.loc, "wchar_t can only be typedef'd as unsigned short")
            return
        if attrs.has("context_handle"):
            if not (ts.kind == "base" and ts.words == ["void"]):
                raise IdlError(item.loc, "[context_handle] typedefs must be void *")
            for d in item.decls:
                if d.stars != 1 or d.arrays:
                    raise IdlError(d.loc, "[context_handle] typedefs must be void *")
                self.add_name(d.name, Alias(d.name, [Level("core", d.loc, core=PolicyT())], fi, d.loc), d.loc)
            return
        defines = ts.kind in ("struct", "union", "enum") and ts.body is not None
        core_levels = self.define_typespec(fi, ts, attrs, scope, item.loc, typedef_name=first.name)
        for d in item.decls:
            if defines and d is first and not d.stars and not d.arrays:
                continue    # define_typespec registered the name
            self.add_alias(fi, d, core_levels, attrs, scope)

    def check_guid(self, ts, loc):
        sizes = []
        for f in ts.body or []:
            ty = self.resolve_core_typespec(f.type, f.loc)
            n = 1
            for a in f.decl.arrays:
                n *= self.eval_const(a, f.loc)
            sizes.append(ty.size * n if isinstance(ty, PrimT) else None)
        if sizes != [4, 2, 2, 8]:
            raise IdlError(loc, "GUID must have the [MS-DTYP] 2.3.4.2 layout to be presented as Samba's struct GUID")

    def add_alias(self, fi, d, core_levels, attrs, scope):
        levels = []
        for dim in d.arrays:
            levels.append(Level("arr", d.loc, dim=dim))
        pattr = self.ptr_attr(attrs)
        for k in range(d.stars):
            levels.append(Level("ptr", d.loc, ptype=pattr if k == 0 else None, scope_pd=self.pd(scope)))
        levels.extend(core_levels)
        if d.name in C_KEYWORDS:
            raise IdlError(d.loc, f"{d.name} is a C keyword")
        self.add_name(d.name, Alias(d.name, levels, fi, d.loc), d.loc)

    @staticmethod
    def ptr_attr(attrs):
        found = [a for a in ("ref", "unique", "ptr") if attrs.has(a)]
        if len(found) > 1:
            raise IdlError(attrs.get(found[1]).loc, "conflicting pointer attributes")
        if not found:
            return None
        return "full" if found[0] == "ptr" else found[0]

    @staticmethod
    def pd(scope):
        return scope.pointer_default if scope is not None else "unique"

    def define_typespec(self, fi, ts, attrs, scope, loc, typedef_name=None):
        """Returns the core levels of TS, defining its struct/union/enum body."""
        if ts.kind in ("struct", "union", "enum") and ts.body is not None:
            name = typedef_name or ts.name
            if name is None:
                raise IdlError(loc, "anonymous types need a typedef name")
            if ts.kind == "enum":
                defn = self.define_enum(fi, ts, attrs, name, loc)
                ty = EnumT(defn)
            elif ts.kind == "struct":
                defn = self.define_struct(fi, ts, attrs, name, scope, loc)
                ty = StructT(defn)
            else:
                defn = self.define_union(fi, ts, attrs, name, scope, loc)
                ty = UnionT(defn)
            if ts.name:
                if ts.name in self.tags:
                    raise IdlError(loc, f"{ts.kind} {ts.name} is already defined")
                self.tags[ts.name] = ty
            return [Level("core", loc, core=ty)]
        if attrs is not None:
            for a in ("v1_enum", "switch_type", "packet"):
                if attrs.has(a):
                    raise IdlError(attrs.get(a).loc, f"[{a}] needs a type definition")
        return self.typespec_levels(ts, loc)

    def typespec_levels(self, ts, loc):
        if ts.kind in ("struct", "union", "enum"):
            if ts.name not in self.tags:
                raise IdlError(loc, f"{ts.kind} {ts.name} is not defined")
            return [Level("core", loc, core=self.tags[ts.name])]
        if ts.kind == "base":
            key = tuple(ts.words)
            if key == ("void",):
                return [Level("core", loc, core="void")]
            if key == ("handle_t",):
                return [Level("core", loc, core="handle")]
            if key not in BASE_WORDS:
                raise IdlError(loc, f"unsupported type {' '.join(ts.words)}")
            n = BASE_WORDS[key]
            return [Level("core", loc, core=PrimT("uint16", wchar=True) if n == "wchar" else PrimT(n))]
        name = ts.name
        if name in self.interfaces:
            return [Level("core", loc, core=("iface", name))]
        defn = self.names.get(name)
        if isinstance(defn, Alias):
            return defn.levels
        if defn is None:
            raise IdlError(loc, f"type {name} is not defined")
        raise IdlError(loc, f"{name} is not a type")

    def resolve_core_typespec(self, ts, loc):
        levels = self.typespec_levels(ts, loc)
        if len(levels) != 1 or levels[0].kind != "core" or not isinstance(levels[0].core, Ty):
            raise IdlError(loc, "expected a plain type")
        return levels[0].core

    def define_enum(self, fi, ts, attrs, name, loc):
        items = []
        nextv = 0
        for it in ts.body:
            v = self.eval_const(it.value, it.loc) if it.value is not None else nextv
            items.append((it.name, v))
            nextv = v + 1
        defn = EnumDef(name, items, attrs is not None and attrs.has("v1_enum"), fi, loc)
        for n, v in items:
            if n in self.consts:
                raise IdlError(loc, f"enumerator {n} is already defined")
            self.add_name(n, defn, loc)
            self.consts[n] = (v, defn)
        self.add_name(name, Alias(name, [Level("core", loc, core=EnumT(defn))], fi, loc), loc)
        self.enums[name] = defn
        fi.enums.append(defn)
        fi.order.append(defn)
        return defn

    def define_struct(self, fi, ts, attrs, name, scope, loc):
        packet = attrs is not None and attrs.has("packet")
        defn = StructDef(name, fi, loc, packet)
        self.structs[name] = defn
        # Register the name first so members may point to the struct itself.
        self.add_name(name, Alias(name, [Level("core", loc, core=StructT(defn))], fi, loc), loc)
        for f in ts.body:
            m = self.make_member(fi, f, scope, packet, "field")
            if any(x.name == m.name for x in defn.members):
                raise IdlError(f.loc, f"field {m.name} appears twice")
            defn.members.append(m)
        self.check_struct(defn)
        fi.structs.append(defn)
        fi.order.append(defn)
        return defn

    def define_union(self, fi, ts, attrs, name, scope, loc):
        packet = attrs is not None and attrs.has("packet")
        st = attrs.get("switch_type") if attrs is not None else None
        if st is None:
            raise IdlError(loc, f"union {name} needs [switch_type(...)] (encapsulated unions are not supported)")
        words = [t.value for t in (st.args[0] if st.args and st.args[0] else [])]
        sty = self.typespec_levels_words(words, st.loc)
        defn = UnionDef(name, fi, loc, packet, sty)
        self.add_name(name, Alias(name, [Level("core", loc, core=UnionT(defn))], fi, loc), loc)
        seen = set()
        for arm in ts.body:
            self.check_attrs(arm.attrs, KNOWN_ATTRS, "union arms")
            case = arm.attrs.get("case")
            if case is not None:
                cases = [self.eval_const(parse_expr_tokens(x, case.loc), case.loc) for x in case.args or [] if x]
                if not cases:
                    raise IdlError(case.loc, "[case] needs values")
            elif arm.attrs.has("default"):
                cases = None
            else:
                raise IdlError(arm.loc, "union arms need [case(...)] or [default]")
            for c in (cases or ["default"]):
                if c in seen:
                    raise IdlError(arm.loc, f"case {c} appears twice")
                seen.add(c)
            member = None
            if arm.field is not None:
                member = self.make_member(fi, arm.field, scope, packet, "arm")
            defn.arms.append(UnionArmDef(cases, member))
        self.unions[name] = defn
        fi.unions.append(defn)
        fi.order.append(defn)
        return defn

    def typespec_levels_words(self, words, loc):
        if len(words) == 1 and words[0] in self.names and isinstance(self.names[words[0]], Alias):
            levels = self.names[words[0]].levels
        else:
            key = tuple(words)
            if key not in BASE_WORDS:
                raise IdlError(loc, f"unsupported switch type {' '.join(words)}")
            levels = [Level("core", loc, core=PrimT(BASE_WORDS[key]))]
        if len(levels) != 1 or not isinstance(levels[0].core, (PrimT, EnumT)):
            raise IdlError(loc, "a switch type must be an integer or enum type")
        return levels[0].core

    # ---- declarations (fields and parameters) -> Ty

    def make_member(self, fi, f, scope, packet, site):
        self.check_attrs(f.attrs, {"size_is", "length_is", "string", "ref", "unique", "ptr", "range",
                                   "switch_is", "iid_is", "case", "default", "remaining",
                                   "disable_consistency_check", "context_handle"}, "fields")
        ty = self.declaration_type(f.type, f.decl, f.attrs, scope, f.loc, toplevel=False, out_only=False)
        rng = self.range_attr(f.attrs, ty)
        sw = f.attrs.get("switch_is")
        swe = sw.arg_expr() if sw else None
        if isinstance(ty, UnionT) and swe is None:
            raise IdlError(f.loc, "a union field needs [switch_is(...)]")
        if swe is not None and not isinstance(ty, UnionT):
            raise IdlError(sw.loc, "[switch_is] is only for union fields")
        if f.attrs.has("remaining"):
            if not packet or not isinstance(ty, CArrT) or not (isinstance(ty.elem, PrimT) and ty.elem.size == 1):
                raise IdlError(f.loc, "[remaining] is only for byte arrays in [packet] types")
            ty = RemT()
        iid = f.attrs.get("iid_is")
        return Member(f.decl.name, ty, f.loc, rng, swe, iid.arg_expr() if iid else None)

    def range_attr(self, attrs, ty):
        a = attrs.get("range")
        if a is None:
            return None
        if not isinstance(ty, (PrimT, EnumT)) or (isinstance(ty, PrimT) and ty.name == "double"):
            raise IdlError(a.loc, "[range] is only supported on integers")
        if not a.args or len(a.args) != 2 or None in a.args:
            raise IdlError(a.loc, "[range] needs two bounds")
        lo = self.eval_const(a.arg_expr(0), a.loc)
        hi = self.eval_const(a.arg_expr(1), a.loc)
        if lo > hi:
            raise IdlError(a.loc, "empty [range]")
        return (lo, hi)

    def declaration_type(self, ts, decl, attrs, scope, loc, toplevel, out_only):
        """The Ty of a field or parameter declaration (see docs/idlc.md)."""
        levels = []
        for dim in decl.arrays:
            levels.append(Level("arr", decl.loc, dim=dim))
        for _ in range(decl.stars):
            levels.append(Level("ptr", decl.loc, scope_pd=self.pd(scope)))
        if attrs.has("context_handle"):
            if not (ts.kind == "base" and ts.words == ["void"]) or not levels or levels[-1].kind != "ptr":
                raise IdlError(loc, "[context_handle] needs a void * declaration")
            levels.pop()
            base = [Level("core", loc, core=PolicyT())]
        else:
            base = self.typespec_levels(ts, loc)
        levels.extend(base)
        # Interface names are pointers by nature: `IFoo *` is one interface pointer.
        if levels[-1].kind == "core" and isinstance(levels[-1].core, tuple):
            if len(levels) < 2 or levels[-2].kind != "ptr":
                raise IdlError(loc, f"interface {levels[-1].core[1]} can only be used through a pointer")
            iname = levels[-1].core[1]
            levels = levels[:-2] + [Level("core", loc, core=IfaceT(iname))]
            if "MInterfacePointer" not in self.structs:
                raise IdlError(loc, "interface pointers need the MInterfacePointer structure of [MS-DCOM]")
        core = levels[-1].core
        if core == "void":
            raise IdlError(loc, "void is only allowed as a return type or behind [context_handle]")
        if core == "handle":
            if len(levels) != 1:
                raise IdlError(loc, "handle_t is only supported by value")
            return "handle"

        # Which levels the attributes apply to.
        sized = [i for i, lv in enumerate(levels) if lv.kind in ("arr", "ptr")]
        size_is = attrs.get("size_is")
        length_is = attrs.get("length_is")
        sizes = {}
        lengths = {}
        for a, dst in ((size_is, sizes), (length_is, lengths)):
            if a is None:
                continue
            for k, arg in enumerate(a.args or []):
                if arg is None:
                    continue
                if k >= len(sized):
                    raise IdlError(a.loc, f"[{a.name}] has more dimensions than the declaration")
                dst[sized[k]] = parse_expr_tokens(arg, a.loc)
        for i in lengths:
            if i not in sizes and not (levels[i].kind == "arr" and levels[i].dim is not None):
                raise IdlError(length_is.loc, "[length_is] needs [size_is] or a fixed size")
        pattr = self.ptr_attr(attrs)
        pattr_level = None
        if pattr is not None:
            ptrs = [i for i, lv in enumerate(levels) if lv.kind == "ptr"
                    or (lv.kind == "arr" and toplevel and i == 0)]
            if not ptrs:
                raise IdlError(loc, "pointer attribute on a declaration without a pointer")
            pattr_level = ptrs[0]
            # MS-RPCE 2.2.1.2.5 (ept_map's ITowers): the top-level pointer of an
            # [out]-only parameter is always [ref]; the attribute then describes
            # the pointers it points to ("no wire impact").
            if toplevel and out_only and pattr_level == 0 and pattr != "ref":
                nxt = [i for i in ptrs if i > 0]
                if not nxt:
                    raise IdlError(loc, "[out]-only parameters must be [ref] pointers")
                pattr_level = nxt[0]
        string = attrs.has("string")

        def build(i):
            lv = levels[i]
            if lv.kind == "core":
                return lv.core
            is_top = toplevel and i == 0
            if lv.kind == "ptr":
                if pattr_level == i:
                    ptype = pattr
                elif lv.ptype is not None:
                    ptype = lv.ptype
                elif is_top:
                    ptype = "ref"
                else:
                    ptype = lv.scope_pd
                if string and i == len(levels) - 2:
                    elem = levels[i + 1].core
                    if not isinstance(elem, PrimT) or elem.size not in (1, 2):
                        raise IdlError(loc, "[string] needs a char or wchar_t element")
                    if i in sizes:
                        raise IdlError(loc, "[size_is] on [string] is not supported")
                    return PtrT(ptype, StrT(elem.size * 8), is_top)
                if i in sizes:
                    target = CArrT(build(i + 1), sizes[i], lengths.get(i))
                else:
                    target = build(i + 1)
                if target == "handle":
                    raise IdlError(loc, "pointers to handle_t are not supported")
                return PtrT(ptype, target, is_top)
            # array level
            elem = build(i + 1)
            if lv.dim is not None and i not in sizes:
                n = self.eval_const(lv.dim, lv.loc)
                if n <= 0:
                    raise IdlError(lv.loc, "array sizes must be positive")
                if i in lengths:
                    raise IdlError(loc, "varying fixed arrays are not supported")
                if string and i == len(levels) - 2:
                    if not isinstance(elem, PrimT) or elem.size != 1:
                        raise IdlError(loc, "[string] fixed arrays are only supported for 8-bit characters")
                    return FStrT(n)
                return FArrT(elem, n)
            if i not in sizes:
                if attrs.has("remaining"):
                    return CArrT(elem, ("num", 0), None)
                raise IdlError(loc, "conformant arrays need [size_is]")
            if string:
                raise IdlError(loc, "[string] conformant arrays are not supported")
            arr = CArrT(elem, sizes[i], lengths.get(i))
            if is_top:
                ptype = pattr if pattr_level == 0 else "ref"
                return PtrT(ptype, arr, True)
            if i != 0:
                raise IdlError(loc, "conformant arrays inside other arrays are not supported")
            return arr

        ty = build(0)
        if string and not isinstance(ty, (PtrT, FStrT)):
            raise IdlError(loc, "[string] needs a char pointer or array")
        self.check_nesting(ty, loc)
        return ty

    def check_nesting(self, ty, loc):
        """Rejects shapes idlc does not generate code for."""
        if isinstance(ty, PtrT):
            self.check_nesting(ty.target, loc)
        elif isinstance(ty, (FArrT, CArrT)):
            if is_conformant(ty.elem):
                raise IdlError(loc, "arrays of conformant structures are not NDR (C706 14.3.7)")
            if isinstance(ty.elem, PtrT) and ty.elem.ptype == "ref":
                raise IdlError(loc, "arrays of [ref] pointers are not supported")
            self.check_nesting(ty.elem, loc)

    def check_struct(self, s):
        n = len(s.members)
        for i, m in enumerate(s.members):
            if isinstance(m.ty, (CArrT, RemT)) and i != n - 1 and not (s.packet and isinstance(m.ty, CArrT)):
                raise IdlError(m.loc, f"conformant array {m.name} must be the last field of {s.name}")
            if isinstance(m.ty, StructT) and is_conformant(m.ty) and i != n - 1 and not s.packet:
                raise IdlError(m.loc, f"conformant structure {m.name} must be the last field of {s.name}")
            if isinstance(m.ty, RemT) and i != n - 1:
                raise IdlError(m.loc, "[remaining] must be the last field")
            if s.packet:
                check_packet_type(m.ty, m.loc)
            for e in (m.ty.size, m.ty.length) if isinstance(m.ty, CArrT) else ():
                if e is not None:
                    self.check_expr_fields(e, s, m, i)
            if m.switch_is is not None:
                self.check_expr_fields(m.switch_is, s, m, i)
            self.check_embedded_arrays(m.ty, s, m)

    def check_embedded_arrays(self, ty, s, m):
        if isinstance(ty, PtrT):
            if isinstance(ty.target, CArrT):
                for e in (ty.target.size, ty.target.length):
                    if e is not None:
                        self.check_expr_fields(e, s, m, len(s.members))
            self.check_embedded_arrays(ty.target, s, m)

    def check_expr_fields(self, expr, s, m, before):
        for name, deref in expr_names(expr):
            if deref:
                raise IdlError(m.loc, f"field expressions cannot dereference ({name})")
            idx = next((j for j, x in enumerate(s.members) if x.name == name), None)
            if idx is None:
                if name in self.consts:
                    continue
                raise IdlError(m.loc, f"{name} is not a field of {s.name}")
            if not isinstance(s.members[idx].ty, (PrimT, EnumT)):
                raise IdlError(m.loc, f"{name} is not an integer field")
            if idx >= before and not isinstance(m.ty, PtrT):
                raise IdlError(m.loc, f"{m.name} depends on {name}, which comes after it")
        check_expr_ops(expr, m.loc, self)

    # ---- methods

    def define_method(self, iface, item):
        attrs = item.attrs
        self.check_attrs(attrs, {"propget", "propput", "idempotent", "local", "helpstring",
                                 "call_as"}, "methods")
        prop = "propget" if attrs.has("propget") else "propput" if attrs.has("propput") else None
        m = MethodDef(iface, item.name, prop, item, item.loc)
        m.reserved = bool(re.fullmatch(r"Opnum\d+NotUsedOnWire", item.name)) or attrs.has("local")
        for other in iface.methods:
            if other.c_name == m.c_name:
                raise IdlError(item.loc, f"{m.c_name} is declared twice")
        ret = item.rettype
        if ret.kind == "base" and ret.words == ["void"]:
            m.ret = None
        else:
            r = self.resolve_core_typespec(ret, item.loc)
            if not isinstance(r, (PrimT, EnumT)):
                raise IdlError(item.loc, "methods can only return integers")
            m.ret = r
        if not m.reserved:
            if iface.object:
                m.params.append(ParamDef("ORPCthis", StructT(self.need_struct("ORPCTHIS", item.loc)),
                                         True, False, item.loc, implicit=True))
                m.params.append(ParamDef("ORPCthat", PtrT("ref", StructT(self.need_struct("ORPCTHAT", item.loc)),
                                                          True), False, True, item.loc, implicit=True))
            for p in item.params:
                self.check_attrs(p.attrs, {"in", "out", "ref", "unique", "ptr", "string", "size_is",
                                           "length_is", "range", "retval", "iid_is", "switch_is",
                                           "disable_consistency_check", "context_handle"}, "parameters")
                inp = p.attrs.has("in") or not p.attrs.has("out")
                outp = p.attrs.has("out")
                ty = self.declaration_type(p.type, p.decl, p.attrs, iface, p.loc, toplevel=True,
                                           out_only=outp and not inp)
                if ty == "handle":
                    if outp:
                        raise IdlError(p.loc, "handle_t parameters must be [in]")
                    continue
                if outp and not isinstance(ty, (PtrT,)):
                    raise IdlError(p.loc, f"[out] parameter {p.decl.name} must be a pointer")
                if outp and not inp and ty.ptype != "ref":
                    raise IdlError(p.loc, f"[out]-only parameter {p.decl.name} must be a [ref] pointer")
                if isinstance(ty, UnionT):
                    raise IdlError(p.loc, "union parameters are not supported")
                if any(x.name == p.decl.name for x in m.params):
                    raise IdlError(p.loc, f"parameter {p.decl.name} appears twice")
                iid = p.attrs.get("iid_is")
                m.params.append(ParamDef(p.decl.name, ty, inp, outp, p.loc,
                                         range_=self.range_attr(p.attrs, ty),
                                         iid_is=iid.arg_expr() if iid else None))
            self.check_method_exprs(m)
        iface.methods.append(m)

    def need_struct(self, name, loc):
        if name not in self.structs:
            raise IdlError(loc, f"[object] interfaces need the {name} structure of [MS-DCOM]")
        return self.structs[name]

    def check_method_exprs(self, m):
        def check(expr, p, what):
            for name, deref in expr_names(expr):
                q = next((x for x in m.params if x.name == name), None)
                if q is None:
                    if name in self.consts:
                        continue
                    raise IdlError(p.loc, f"{what} of {p.name}: {name} is not a parameter")
                qt = q.ty
                if deref:
                    if not (isinstance(qt, PtrT) and isinstance(qt.target, (PrimT, EnumT))):
                        raise IdlError(p.loc, f"{what} of {p.name}: *{name} is not a pointer to an integer")
                elif not isinstance(qt, (PrimT, EnumT)):
                    raise IdlError(p.loc, f"{what} of {p.name}: {name} is not an integer")
                if p.inp and not q.inp:
                    raise IdlError(p.loc, f"{what} of [in] {p.name} refers to [out]-only {name}")
                if p.outp and not p.inp and not (q.inp or q.outp):
                    raise IdlError(p.loc, f"{what} of {p.name}: {name} is not available")
            check_expr_ops(expr, p.loc, self)

        for p in m.params:
            for arr in param_arrays(p.ty):
                check(arr.size, p, "[size_is]")
                if arr.length is not None:
                    check(arr.length, p, "[length_is]")
            if p.iid_is is not None:
                if not isinstance(strip_ref(p.ty), IfaceT):
                    raise IdlError(p.loc, "[iid_is] is only for interface pointers")
                for name, _ in expr_names(p.iid_is):
                    if not any(x.name == name for x in m.params):
                        raise IdlError(p.loc, f"[iid_is]: {name} is not a parameter")

    # ---- whole-model checks

    def check_names(self):
        for iface in self.interfaces.values():
            for m in iface.methods:
                self.add_name(m.c_name, m, m.loc)
        # Every identifier that reaches C must be unique among ordinary names;
        # struct members may repeat across structures but not collide with constants.
        const_names = {n for n, (v, d) in self.consts.items() if isinstance(d, ConstDef)}
        for s in list(self.structs.values()):
            for mem in s.members:
                if mem.name in const_names:
                    raise IdlError(mem.loc, f"field {mem.name} has the name of a constant")
                if mem.name in C_KEYWORDS:
                    raise IdlError(mem.loc, f"{mem.name} is a C keyword")
        for iface in self.interfaces.values():
            for m in iface.methods:
                for p in m.params:
                    if p.name in const_names:
                        raise IdlError(p.loc, f"parameter {p.name} has the name of a constant")
                    if p.name in C_KEYWORDS or p.name in ("in", "out", "result"):
                        raise IdlError(p.loc, f"parameter name {p.name} is reserved")
        for s in self.structs.values():
            check_no_recursion(s, [])

    def compute_deps(self):
        owner = {}
        for fi in self.files:
            for d in fi.order:
                owner[id(d)] = fi
            for i in fi.interfaces:
                owner[id(i)] = fi

        def visit_ty(fi, ty):
            for d in referenced_defs(ty):
                o = owner.get(id(d))
                if o is not None and o is not fi:
                    fi.deps.add(o)
            if isinstance(ty, IfaceT):
                o = owner.get(id(self.structs["MInterfacePointer"]))
                if o is not fi:
                    fi.deps.add(o)

        for fi in self.files:
            for s in fi.structs:
                for mem in s.members:
                    visit_ty(fi, mem.ty)
            for u in fi.unions:
                for arm in u.arms:
                    if arm.member:
                        visit_ty(fi, arm.member.ty)
                visit_ty(fi, u.switch_ty)
            for i in fi.interfaces:
                if i.base is not None and i.base.file is not fi:
                    fi.deps.add(i.base.file)
                for m in i.methods:
                    for p in m.params:
                        visit_ty(fi, p.ty)
            for imp in fi.imports:
                fi.deps.add(imp)
            fi.deps.discard(fi)
        # Dependency cycles between files would make header order impossible.
        state = {}

        def dfs(f, path):
            if state.get(f.idl_name) == 1:
                raise IdlError(f.path + ":1", "files depend on each other: " +
                               " -> ".join(x.idl_name for x in path + [f]))
            if state.get(f.idl_name) == 2:
                return
            state[f.idl_name] = 1
            for d in sorted(f.deps, key=lambda x: x.idl_name):
                dfs(d, path + [f])
            state[f.idl_name] = 2

        for f in self.files:
            dfs(f, [])


def load_model(paths):
    m = Model()
    m.load(paths)
    return m
