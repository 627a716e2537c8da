"""gen/idl/<file>.h: C constants, types and per-method call structures."""

from c_common import GENERATED_NOTE, W, c_decl, c_int, expr_text, ptr_comment
from idl_lexer import IdlError
from idl_model import EnumDef, FArrT, StructDef, StructT, UnionDef, UnionT


def by_value_deps(defn):
    out = []

    def walk(ty):
        if isinstance(ty, (StructT, UnionT)):
            out.append(ty.defn)
        elif isinstance(ty, FArrT):
            walk(ty.elem)

    if isinstance(defn, StructDef):
        for m in defn.members:
            walk(m.ty)
    elif isinstance(defn, UnionDef):
        for a in defn.arms:
            if a.member:
                walk(a.member.ty)
    return out


def sorted_defs(fi):
    """FI's types in declaration order, moved after what they embed by value."""
    done = []
    seen = set()

    def visit(d):
        if id(d) in seen:
            return
        seen.add(id(d))
        for dep in by_value_deps(d):
            if dep.file is fi:
                visit(dep)
        done.append(d)

    for d in fi.order:
        visit(d)
    return done


def member_comment(m):
    bits = []
    c = ptr_comment(m.ty)
    if c:
        bits.append(c)
    if m.range:
        bits.append(f"[range({m.range[0]},{m.range[1]})]")
    if m.switch_is is not None:
        bits.append(f"[switch_is({expr_text(m.switch_is)})]")
    return f" /* {' '.join(bits)} */" if bits else ""


def emit_types(model, fi):
    w = W()
    guard = f"IDL_{fi.c_base.upper()}_H"
    w(f"/* {GENERATED_NOTE.format(idl=fi.idl_name)} */")
    w(f"#ifndef {guard}")
    w(f"#define {guard}")
    w()
    w("#include <stdbool.h>")
    w("#include <stdint.h>")
    w()
    w("#include <ndr.h>")
    for d in sorted(fi.deps, key=lambda x: x.c_base):
        w(f'#include "idl/{d.c_base}.h"')
    w()
    if fi.consts:
        for c in fi.consts:
            v = c.value
            if v < 0:
                text = f"({v})"
            elif c.unsigned:
                text = f"(0x{v:X}U)" if v > 0xFFFF else f"({v}U)"
            else:
                text = f"(0x{v:X})" if v > 0xFFFF else f"({v})"
            w(f"#define {c.name} {text}")
        w()
    defs = sorted_defs(fi)
    for d in defs:
        if isinstance(d, (StructDef, UnionDef)):
            w(f"{'struct' if isinstance(d, StructDef) else 'union'} {d.name};")
    if defs:
        w()
    for d in defs:
        if isinstance(d, EnumDef):
            w.open(f"enum {d.name}")
            for k, (n, v) in enumerate(d.items):
                if not -0x80000000 <= v <= 0x7FFFFFFF:
                    raise IdlError(d.loc, f"enumerator {n} does not fit a C int")
                w(f"{n} = {c_int(v) if v >= 0 else v}{',' if k < len(d.items) - 1 else ''}")
            w.close(";")
            w(f"typedef enum {d.name} {d.name};")
        elif isinstance(d, StructDef):
            w.open(f"struct {d.name}")
            for m in d.members:
                w(f"{c_decl(m.ty, m.name)};{member_comment(m)}")
            if not d.members:
                w("char _empty;")
            w.close(";")
            w(f"typedef struct {d.name} {d.name};")
        else:
            w.open(f"union {d.name}")
            for a in d.arms:
                if a.member:
                    cases = "default" if a.cases is None else ",".join(str(c) for c in a.cases)
                    w(f"{c_decl(a.member.ty, a.member.name)}; /* [case({cases})] */")
            if not any(a.member for a in d.arms):
                w("char _empty;")
            w.close(";")
            w(f"typedef union {d.name} {d.name};")
        w()
    for iface in fi.interfaces:
        w(f"/* interface {iface.name}"
          + (f" : {iface.base.name}" if iface.base else "")
          + f", uuid {iface.uuid}{', [object]' if iface.object else ''} */")
        for m in iface.methods:
            if m.reserved:
                continue
            emit_call_struct(w, m)
    w(f"#endif /* {guard} */")
    return w.text()


def emit_call_struct(w, m):
    w.open(f"struct {m.c_name}")
    ins = m.in_params
    outs = m.out_params
    if ins:
        w.open("struct")
        for p in ins:
            w(f"{c_decl(p.ty, p.name)};{param_comment(p)}")
        w.close(" in;")
    if outs or m.ret is not None:
        w.open("struct")
        for p in outs:
            w(f"{c_decl(p.ty, p.name)};{param_comment(p)}")
        if m.ret is not None:
            w(f"{c_decl(m.ret, 'result')};")
        w.close(" out;")
    if not ins and not outs and m.ret is None:
        w("char _empty;")
    w.close(";")
    w()


def param_comment(p):
    bits = []
    if p.implicit:
        bits.append("implicit ORPC argument")
    c = ptr_comment(p.ty)
    if c:
        bits.append(c)
    if p.range:
        bits.append(f"[range({p.range[0]},{p.range[1]})]")
    return f" /* {' '.join(bits)} */" if bits else ""
