"""The IDL's resolved types (idl_model.py builds them): each type's NDR
shape, the definitions they point at, and the questions the emitters and
the model ask of a type (alignment, buffers, minimum size, conformance).
"""

import os
import re

from idl_lexer import IdlError


# Names of parameters and fields printed as "<secret>" by ndr_print unless the
# ndr_print context asks for secrets (MS-ISTM CHAP secrets and CHAP blobs).
SECRET_NAME_RE = re.compile(r"secret|password|blob", re.IGNORECASE)


# ------------------------------------------------------------------ types

class Ty:
    kind = None
    is_ptr_like = False   # has a 4-byte referent id in its scalars

    def __repr__(self):
        return f"<{self.kind}>"


class PrimT(Ty):
    kind = "prim"
    INFO = {  # name: (c type, size, signed)
        "uint8": ("uint8_t", 1, False), "int8": ("int8_t", 1, True),
        "uint16": ("uint16_t", 2, False), "int16": ("int16_t", 2, True),
        "uint32": ("uint32_t", 4, False), "int32": ("int32_t", 4, True),
        "uint64": ("uint64_t", 8, False), "int64": ("int64_t", 8, True),
        "double": ("double", 8, True),
    }

    def __init__(self, name, hresult=False, wchar=False):
        self.name = name
        self.ctype, self.size, self.signed = self.INFO[name]
        self.hresult = hresult
        self.wchar = wchar

    def __repr__(self):
        return f"<prim {self.name}>"


class EnumT(Ty):
    kind = "enum"

    def __init__(self, defn):
        self.defn = defn


class StructT(Ty):
    kind = "struct"

    def __init__(self, defn):
        self.defn = defn


class UnionT(Ty):
    kind = "union"

    def __init__(self, defn):
        self.defn = defn


class GuidT(Ty):
    kind = "guid"


class PolicyT(Ty):
    kind = "policy"


class BstrT(Ty):
    kind = "bstr"
    is_ptr_like = True


class IfaceT(Ty):
    """An interface pointer: a unique pointer to MInterfacePointer."""
    kind = "iface"
    is_ptr_like = True

    def __init__(self, iface_name):
        self.iface_name = iface_name


class PtrT(Ty):
    kind = "ptr"
    is_ptr_like = True

    def __init__(self, ptype, target, toplevel):
        self.ptype = ptype          # 'ref', 'unique', 'full'
        self.target = target
        self.toplevel = toplevel    # a parameter's own pointer: no wire id if ref


class FArrT(Ty):
    kind = "farray"

    def __init__(self, elem, n):
        self.elem = elem
        self.n = n


class CArrT(Ty):
    """Conformant (size_is) and optionally varying (length_is) array."""
    kind = "carray"

    def __init__(self, elem, size, length):
        self.elem = elem
        self.size = size            # Expr
        self.length = length        # Expr or None


class StrT(Ty):
    """[string] pointer target: conformant varying string."""
    kind = "string"

    def __init__(self, bits):
        self.bits = bits


class FStrT(Ty):
    """[string] fixed array of 8-bit chars: varying string in place."""
    kind = "fstring"

    def __init__(self, n):
        self.n = n


class RemT(Ty):
    """[remaining] bytes: the rest of the buffer (packet types only)."""
    kind = "remaining"


# ------------------------------------------------------------------ definitions

class EnumDef:
    def __init__(self, name, items, v1, file, loc):
        self.name, self.items, self.v1, self.file, self.loc = name, items, v1, file, loc

    @property
    def wire_size(self):
        return 4 if self.v1 else 2


class Member:
    def __init__(self, name, ty, loc, range_=None, switch_is=None, iid_is=None):
        self.name = name
        self.ty = ty
        self.loc = loc
        self.range = range_          # (lo, hi) or None
        self.switch_is = switch_is   # Expr or None
        self.iid_is = iid_is

    @property
    def secret(self):
        return bool(SECRET_NAME_RE.search(self.name))


class StructDef:
    def __init__(self, name, file, loc, packet):
        self.name, self.file, self.loc, self.packet = name, file, loc, packet
        self.members = []


class UnionArmDef:
    def __init__(self, cases, member):
        self.cases = cases        # list of ints, or None for [default]
        self.member = member      # Member or None (empty arm)


class UnionDef:
    def __init__(self, name, file, loc, packet, switch_ty):
        self.name, self.file, self.loc, self.packet = name, file, loc, packet
        self.switch_ty = switch_ty
        self.arms = []


class ConstDef:
    def __init__(self, name, value, unsigned, file, loc):
        self.name, self.value, self.unsigned, self.file, self.loc = name, value, unsigned, file, loc


class ParamDef:
    def __init__(self, name, ty, inp, outp, loc, implicit=False, range_=None, iid_is=None):
        self.name = name
        self.ty = ty
        self.inp = inp
        self.outp = outp
        self.loc = loc
        self.implicit = implicit
        self.range = range_
        self.iid_is = iid_is

    @property
    def secret(self):
        return bool(SECRET_NAME_RE.search(self.name))


class MethodDef:
    def __init__(self, iface, name, prop, ast, loc):
        self.iface = iface
        self.name = name
        self.prop = prop                 # 'propget', 'propput' or None
        self.ast = ast
        self.loc = loc
        self.reserved = False            # OpnumNNotUsedOnWire or [local]: no wire form
        self.params = []
        self.ret = None                  # PrimT or None (void)
        self.opnum = None
        short = {"propget": "get_", "propput": "put_"}.get(prop, "") + name
        if short.startswith(iface.name + "_"):
            self.c_name = short
        else:
            self.c_name = f"{iface.name}_{short}"

    @property
    def in_params(self):
        return [p for p in self.params if p.inp]

    @property
    def out_params(self):
        return [p for p in self.params if p.outp]

    @property
    def opnum_const(self):
        return "NDR_" + self.c_name.upper()


class InterfaceDef:
    def __init__(self, name, file, loc):
        self.name, self.file, self.loc = name, file, loc
        self.uuid = None
        self.version = (0, 0)
        self.object = False
        self.pointer_default = "unique"
        self.base_name = None
        self.base = None
        self.methods = []               # own methods, declaration order
        self.endpoints = []
        self.helpstring = None

    @property
    def first_opnum(self):
        return self.base.num_calls if self.base else 0

    @property
    def num_calls(self):
        return self.first_opnum + len(self.methods)

    def all_methods(self):
        chain = []
        i = self
        while i is not None:
            chain.append(i)
            i = i.base
        out = []
        for i in reversed(chain):
            out.extend(i.methods)
        return out

    def method_by_opnum(self, opnum):
        ms = self.all_methods()
        return ms[opnum] if 0 <= opnum < len(ms) else None


class FileInfo:
    def __init__(self, path):
        self.path = path
        self.idl_name = os.path.basename(path)
        self.c_base = re.sub(r"[^A-Za-z0-9_]", "_", self.idl_name[:-4] if self.idl_name.endswith(".idl")
                             else self.idl_name)
        self.imports = []
        self.consts = []
        self.enums = []
        self.structs = []
        self.unions = []
        self.interfaces = []
        self.order = []                  # enums/structs/unions in declaration order
        self.deps = set()                # other FileInfo whose C types this one uses


# ------------------------------------------------------------------ model

class Alias:
    """A typedef name: a type shape (levels) resolved lazily."""

    def __init__(self, name, levels, file, loc):
        self.name, self.levels, self.file, self.loc = name, levels, file, loc


class Level:
    """One level of a declaration's shape, outermost first."""

    def __init__(self, kind, loc, dim=None, ptype=None, scope_pd=None, core=None):
        self.kind = kind            # 'arr', 'ptr', 'core'
        self.loc = loc
        self.dim = dim              # for 'arr': Expr or None (conformant)
        self.ptype = ptype          # for 'ptr': explicit 'ref'/'unique'/'full' or None
        self.scope_pd = scope_pd    # pointer_default where the pointer was declared
        self.core = core            # for 'core': Ty


BASE_WORDS = {
    ("unsigned", "long"): "uint32", ("long",): "int32", ("signed", "long"): "int32",
    ("unsigned", "long", "int"): "uint32", ("long", "int"): "int32",
    ("unsigned", "int"): "uint32", ("int",): "int32", ("signed", "int"): "int32",
    ("unsigned", "short"): "uint16", ("short",): "int16", ("signed", "short"): "int16",
    ("unsigned", "short", "int"): "uint16", ("short", "int"): "int16",
    ("unsigned", "char"): "uint8", ("char",): "uint8", ("signed", "char"): "int8",
    ("unsigned", "small"): "uint8", ("small",): "int8", ("signed", "small"): "int8",
    ("byte",): "uint8", ("boolean",): "uint8",
    ("hyper",): "int64", ("signed", "hyper"): "int64", ("unsigned", "hyper"): "uint64",
    ("__int8",): "int8", ("unsigned", "__int8"): "uint8", ("signed", "__int8"): "int8",
    ("__int16",): "int16", ("unsigned", "__int16"): "uint16", ("signed", "__int16"): "int16",
    ("__int32",): "int32", ("unsigned", "__int32"): "uint32", ("signed", "__int32"): "int32",
    ("__int64",): "int64", ("unsigned", "__int64"): "uint64", ("signed", "__int64"): "int64",
    ("__int3264",): "int32", ("unsigned", "__int3264"): "uint32",
    ("double",): "double", ("wchar_t",): "wchar",
}


# ------------------------------------------------------------------ helpers

def strip_ref(ty):
    while isinstance(ty, PtrT) and ty.toplevel and ty.ptype == "ref":
        ty = ty.target
    return ty


def param_arrays(ty):
    """Conformant arrays reachable from a parameter without crossing a struct."""
    out = []
    while True:
        if isinstance(ty, PtrT):
            ty = ty.target
        elif isinstance(ty, CArrT):
            out.append(ty)
            ty = ty.elem
        else:
            return out


def expr_names(expr):
    k = expr[0]
    if k == "id":
        return [(expr[1], False)]
    if k == "deref":
        if expr[1][0] != "id":
            raise IdlError("?", "only *name can be dereferenced")
        return [(expr[1][1], True)]
    if k == "num":
        return []
    if k == "cond":
        return [x for e in expr[1:] for x in expr_names(e)]
    return [x for e in expr[2:] for x in expr_names(e)]


def check_expr_ops(expr, loc, model):
    k = expr[0]
    if k == "bin":
        if expr[1] in ("/", "%"):
            if expr[3][0] != "num" and not (expr[3][0] == "id" and expr[3][1] in model.consts):
                raise IdlError(loc, "divisors in size expressions must be constants")
            if model.eval_const(expr[3], loc) == 0:
                raise IdlError(loc, "division by zero")
        check_expr_ops(expr[2], loc, model)
        check_expr_ops(expr[3], loc, model)
    elif k == "un":
        check_expr_ops(expr[2], loc, model)
    elif k == "cond":
        for e in expr[1:]:
            check_expr_ops(e, loc, model)


def referenced_defs(ty):
    if isinstance(ty, (EnumT, StructT, UnionT)):
        return [ty.defn]
    if isinstance(ty, PtrT):
        return referenced_defs(ty.target)
    if isinstance(ty, (FArrT, CArrT)):
        return referenced_defs(ty.elem)
    return []


def is_conformant(ty):
    """A structure whose NDR form starts with a hoisted conformance."""
    if not isinstance(ty, StructT) or ty.defn.packet or not ty.defn.members:
        return False
    last = ty.defn.members[-1].ty
    return isinstance(last, CArrT) or is_conformant(last)


def conformant_array_path(s):
    """For a conformant struct: [(member, ...)] path to its inline array."""
    last = s.members[-1]
    if isinstance(last.ty, CArrT):
        return [last]
    return [last] + conformant_array_path(last.ty.defn)


def check_packet_type(ty, loc):
    if isinstance(ty, (PtrT, BstrT, IfaceT, StrT, PolicyT)):
        raise IdlError(loc, "[packet] types cannot contain pointers")
    if isinstance(ty, (FArrT, CArrT)):
        check_packet_type(ty.elem, loc)
    if isinstance(ty, StructT) and not ty.defn.packet:
        for m in ty.defn.members:
            check_packet_type(m.ty, m.loc)
    if isinstance(ty, UnionT):
        for a in ty.defn.arms:
            if a.member:
                check_packet_type(a.member.ty, a.member.loc)


def check_no_recursion(s, stack):
    if s in stack:
        raise IdlError(s.loc, "recursive types are not supported: " + " -> ".join(x.name for x in stack + [s]))
    for m in s.members:
        for d in referenced_defs(m.ty):
            if isinstance(d, StructDef):
                check_no_recursion(d, stack + [s])
            if isinstance(d, UnionDef):
                for a in d.arms:
                    if a.member:
                        for d2 in referenced_defs(a.member.ty):
                            if isinstance(d2, StructDef):
                                check_no_recursion(d2, stack + [s])


def align(ty):
    """NDR 2.0 alignment of the scalar part of TY."""
    if isinstance(ty, PrimT):
        return ty.size
    if isinstance(ty, EnumT):
        return ty.defn.wire_size
    if isinstance(ty, (GuidT, PolicyT, BstrT, IfaceT, PtrT, FStrT)):
        return 4
    if isinstance(ty, (FArrT, CArrT)):
        return align(ty.elem)
    if isinstance(ty, RemT):
        return 1
    if isinstance(ty, (StructT, UnionT)) and ty.defn.packet:
        return 1
    if isinstance(ty, StructT):
        return max([align(m.ty) for m in ty.defn.members] or [1])
    if isinstance(ty, UnionT):
        return max([align(ty.defn.switch_ty)] + [align(a.member.ty) for a in ty.defn.arms if a.member])
    raise AssertionError(ty)


def has_buffers(ty):
    """True when the NDR_BUFFERS phase of TY has anything to do."""
    if isinstance(ty, (PtrT, BstrT, IfaceT)):
        return True
    if isinstance(ty, (FArrT, CArrT)):
        return has_buffers(ty.elem)
    if isinstance(ty, StructT):
        return not ty.defn.packet and any(has_buffers(m.ty) for m in ty.defn.members)
    if isinstance(ty, UnionT):
        return not ty.defn.packet and any(a.member and has_buffers(a.member.ty) for a in ty.defn.arms)
    return False


def min_size(ty):
    """The fewest wire bytes a value of TY (as an array element) can take."""
    if isinstance(ty, PrimT):
        return ty.size
    if isinstance(ty, EnumT):
        return ty.defn.wire_size
    if isinstance(ty, GuidT):
        return 16
    if isinstance(ty, PolicyT):
        return 20
    if isinstance(ty, (BstrT, IfaceT, PtrT)):
        return 4
    if isinstance(ty, FStrT):
        return 9
    if isinstance(ty, FArrT):
        return ty.n * min_size(ty.elem)
    if isinstance(ty, (CArrT, RemT)):
        return 0
    if isinstance(ty, StructT):
        return sum(min_size(m.ty) for m in ty.defn.members)
    if isinstance(ty, UnionT):
        arms = [min_size(a.member.ty) if a.member else 0 for a in ty.defn.arms]
        disc = 0 if ty.defn.packet else min_size(ty.defn.switch_ty)
        return disc + min(arms or [0])
    raise AssertionError(ty)
