"""gen/idl/test_<file>.{h,c}: test helpers (library istmd_idl_test, never in
the daemon). For every type and call: fill (every field set to a non-default
value, every pointer non-NULL, arrays of 1-3 elements with their size fields
to match) and equal (deep comparison naming the first difference), plus
tables of calls and types for the round-trip and hostile-input tests."""

from c_common import GENERATED_NOTE, PRIM_LIMITS, W, c_base, simple_var, union_switch
from c_common import Ctx
from idl_model import (BstrT, CArrT, EnumT, FArrT, FStrT, GuidT, IfaceT, PolicyT, PrimT, PtrT,
                       RemT, StrT, StructT, UnionT, expr_names, param_arrays)


def arrays_in(ty):
    """The conformant arrays a field or parameter owns (through pointers)."""
    if isinstance(ty, CArrT):
        return [ty]
    return param_arrays(ty)


class TestGen:
    def __init__(self, model, fi):
        self.model = model
        self.fi = fi

    # ------------------------------------------------------------ fill

    def fill(self, w, ty, lv, ctx, rng=None, switch=None):
        if isinstance(ty, PrimT):
            if rng:
                w(f"{lv} = ({ty.ctype})idl_fill_range(f, {rng[0]}, {rng[1]});")
            elif ty.size == 8:
                w(f"{lv} = ({ty.ctype})idl_fill_u64(f);")
            else:
                w(f"{lv} = ({ty.ctype})idl_fill_u32(f);")
        elif isinstance(ty, EnumT):
            w(f"idl_fill_{ty.defn.name}(f, &{lv});")
        elif isinstance(ty, StructT):
            w(f"idl_fill_{ty.defn.name}(f, &{lv});")
        elif isinstance(ty, UnionT):
            w(f"idl_fill_{ty.defn.name}(f, {switch}, &{lv});")
        elif isinstance(ty, GuidT):
            w(f"idl_fill_GUID(f, &{lv});")
        elif isinstance(ty, PolicyT):
            w(f"idl_fill_policy_handle(f, &{lv});")
        elif isinstance(ty, BstrT):
            w(f"{lv} = idl_fill_string(f, true);")
        elif isinstance(ty, IfaceT):
            w(f"IDL_FILL_ALLOC(f, {lv}, struct MInterfacePointer);")
            w(f"idl_fill_MInterfacePointer(f, {lv});")
        elif isinstance(ty, PtrT):
            t = ty.target
            if isinstance(t, StrT):
                w(f"{lv} = idl_fill_string(f, {'true' if t.bits == 16 else 'false'});")
            elif isinstance(t, CArrT):
                self.fill_array(w, t, lv, ctx)
            else:
                w(f"IDL_FILL_ALLOC(f, {lv}, {c_base(t).rstrip()});")
                self.fill(w, t, f"(*{lv})", ctx)
        elif isinstance(ty, FArrT):
            if isinstance(ty.elem, PrimT) and ty.elem.wchar:
                w(f"idl_fill_wchars(f, {lv}, {ty.n});")
            else:
                i = w.tmp("i")
                w.open(f"for (uint32_t {i} = 0; {i} < {ty.n}; {i}++)")
                self.fill(w, ty.elem, f"{lv}[{i}]", ctx)
                w.close()
        elif isinstance(ty, FStrT):
            w(f"idl_fill_fstring(f, {lv}, {ty.n});")
        elif isinstance(ty, CArrT):
            self.fill_array(w, ty, lv, ctx)
        elif isinstance(ty, RemT):
            w(f"{lv} = idl_fill_blob(f);")
        else:
            raise AssertionError(ty)

    def fill_array(self, w, arr, lv, ctx):
        n = w.tmp("n")
        w(f"uint32_t {n} = {ctx.expr(arr.size)};")
        w(f"IDL_FILL_ALLOC_N(f, {lv}, {c_base(arr.elem).rstrip()}, {n});")
        i = w.tmp("i")
        w.open(f"for (uint32_t {i} = 0; {i} < {n}; {i}++)")
        self.fill(w, arr.elem, f"{lv}[{i}]", ctx)
        w.close()

    def determinants(self, items):
        """items: [(name, ty, switch_expr)] -> {name: ('size'|'length'|'switch', info)}."""
        det = {}
        for name, ty, sw in items:
            for arr in arrays_in(ty):
                for n, _ in expr_names(arr.size):
                    det.setdefault(n, ("size", None))
                if arr.length is not None:
                    sv = simple_var(arr.length)
                    if sv is None:
                        for n, _ in expr_names(arr.length):
                            det.setdefault(n, ("size", None))
                    else:
                        det[sv[0]] = ("length", arr)
            if sw is not None:
                sv = simple_var(sw)
                det[sv[0]] = ("switch", ty)
        return det

    def set_determinant(self, w, kind, info, ty, lv, rng, ctx):
        if isinstance(ty, PtrT):
            w(f"IDL_FILL_ALLOC(f, {lv}, {c_base(ty.target).rstrip()});")
            lv = f"(*{lv})"
            ty = ty.target
        ctype = c_base(ty).rstrip()
        if kind == "size":
            lo, hi = rng if rng else PRIM_LIMITS.get(getattr(ty, "name", "int32"), (0, 3))
            w(f"{lv} = ({ctype})idl_fill_count(f, {lo}, {hi});")
        elif kind == "length":
            arr = info
            w(f"{lv} = ({ctype})({ctx.expr(arr.size)} > 0 ? {ctx.expr(arr.size)} - 1 : 0);")
        else:
            u = info.defn
            cases = [c for a in u.arms if a.cases for c in a.cases]
            arr = w.tmp("cases")
            w(f"static const int64_t {arr}[] = {{ {', '.join(str(c) for c in cases)} }};")
            w(f"{lv} = ({ctype})idl_fill_pick(f, {arr}, {len(cases)});")

    def struct_fill(self, w, s):
        w(f"void idl_fill_{s.name}(struct idl_fill *f, struct {s.name} *r)")
        w.open("")
        det = self.determinants([(m.name, m.ty, m.switch_is) for m in s.members])
        ctx = Ctx(self.model, lambda n, d: f"r->{n}", s.name)
        order = sorted(det.items(), key=lambda kv: {"size": 0, "switch": 1, "length": 2}[kv[1][0]])
        for name, (kind, info) in order:
            m = next(x for x in s.members if x.name == name)
            self.set_determinant(w, kind, info, m.ty, f"r->{name}", m.range, ctx)
        for m in s.members:
            if m.name in det:
                continue
            sw = ctx.expr(m.switch_is) if m.switch_is is not None else None
            self.fill(w, m.ty, f"r->{m.name}", ctx, m.range, sw)
        w.close()
        w()

    # ------------------------------------------------------------ equal

    def equal(self, w, ty, a, b, ctx_a, what, switch=None):
        bad = f"return idl_mismatch(\"{what}\");"
        if isinstance(ty, (PrimT, EnumT)):
            w(f"if ({a} != {b}) {bad}")
        elif isinstance(ty, StructT):
            w(f"if (!idl_equal_{ty.defn.name}(&{a}, &{b}, \"{what}\")) return false;")
        elif isinstance(ty, UnionT):
            w(f"if (!idl_equal_{ty.defn.name}({switch}, &{a}, &{b}, \"{what}\")) return false;")
        elif isinstance(ty, GuidT):
            w(f"if (!GUID_equal(&{a}, &{b})) {bad}")
        elif isinstance(ty, PolicyT):
            w(f"if (!ndr_policy_handle_equal(&{a}, &{b})) {bad}")
        elif isinstance(ty, BstrT):
            w(f"if (!idl_equal_string({a}, {b})) {bad}")
        elif isinstance(ty, IfaceT):
            w(f"if (({a} == NULL) != ({b} == NULL)) {bad}")
            w(f"if ({a} != NULL && !idl_equal_MInterfacePointer({a}, {b}, \"{what}\")) return false;")
        elif isinstance(ty, PtrT):
            t = ty.target
            if isinstance(t, StrT):
                w(f"if (!idl_equal_string({a}, {b})) {bad}")
                return
            w(f"if (({a} == NULL) != ({b} == NULL)) {bad}")
            w.open(f"if ({a} != NULL)")
            if isinstance(t, CArrT):
                self.equal_array(w, t, a, b, ctx_a, what)
            else:
                self.equal(w, t, f"(*{a})", f"(*{b})", ctx_a, what)
            w.close()
        elif isinstance(ty, FArrT):
            if isinstance(ty.elem, PrimT) or (isinstance(ty.elem, FArrT) and isinstance(ty.elem.elem, PrimT)):
                w(f"if (memcmp({a}, {b}, sizeof({a})) != 0) {bad}")
            else:
                i = w.tmp("i")
                w.open(f"for (uint32_t {i} = 0; {i} < {ty.n}; {i}++)")
                self.equal(w, ty.elem, f"{a}[{i}]", f"{b}[{i}]", ctx_a, what)
                w.close()
        elif isinstance(ty, FStrT):
            w(f"if (strncmp({a}, {b}, {ty.n}) != 0) {bad}")
        elif isinstance(ty, CArrT):
            self.equal_array(w, ty, a, b, ctx_a, what)
        elif isinstance(ty, RemT):
            w(f"if ({a}.length != {b}.length || ({a}.length != 0 && memcmp({a}.data, {b}.data, {a}.length) != 0)) {bad}")
        else:
            raise AssertionError(ty)

    def equal_array(self, w, arr, a, b, ctx_a, what):
        n = w.tmp("n")
        w(f"uint32_t {n} = {ctx_a.expr(arr.length if arr.length is not None else arr.size)};")
        w(f"if ({n} != 0 && ({a} == NULL || {b} == NULL)) return idl_mismatch(\"{what}\");")
        i = w.tmp("i")
        w.open(f"for (uint32_t {i} = 0; {i} < {n}; {i}++)")
        self.equal(w, arr.elem, f"{a}[{i}]", f"{b}[{i}]", ctx_a, what)
        w.close()

    def struct_equal(self, w, s):
        w(f"bool idl_equal_{s.name}(const struct {s.name} *a, const struct {s.name} *b, const char *path)")
        w.open("")
        w("(void)path;")
        ctx = Ctx(self.model, lambda n, d: f"a->{n}", s.name)
        for m in s.members:
            sw = ctx.expr(m.switch_is) if m.switch_is is not None else None
            self.equal(w, m.ty, f"a->{m.name}", f"b->{m.name}", ctx, f"{s.name}.{m.name}", sw)
        w("return true;")
        w.close()
        w()

    # ------------------------------------------------------------ unions and enums

    def union_funcs(self, w, u):
        ctx = Ctx(self.model, lambda n, d: "?", u.name)
        w(f"void idl_fill_{u.name}(struct idl_fill *f, uint32_t level, union {u.name} *r)")
        w.open("")
        union_switch(w, u, lambda a: self.fill(w, a.member.ty, f"r->{a.member.name}", ctx, a.member.range),
                     "")
        w.close()
        w()
        w(f"bool idl_equal_{u.name}(uint32_t level, const union {u.name} *a, const union {u.name} *b, "
          f"const char *path)")
        w.open("")
        w("(void)path;")
        union_switch(w, u, lambda a: self.equal(w, a.member.ty, f"a->{a.member.name}", f"b->{a.member.name}", ctx,
                                                f"{u.name}.{a.member.name}"),
                     "")
        w("return true;")
        w.close()
        w()

    def enum_fill(self, w, e):
        limit = 0x7FFFFFFF if e.v1 else 0x7FFF
        values = sorted({v for _, v in e.items if (e.v1 or 0 <= v <= limit)})
        w(f"void idl_fill_{e.name}(struct idl_fill *f, enum {e.name} *r)")
        w.open("")
        if values:
            w(f"static const int64_t values[] = {{ {', '.join(str(v) for v in values)} }};")
            w(f"*r = (enum {e.name})idl_fill_pick(f, values, {len(values)});")
        else:
            w(f"*r = (enum {e.name})0;")
        w.close()
        w()

    # ------------------------------------------------------------ calls

    def call_funcs(self, w, m):
        n = m.c_name
        # fill
        w(f"static void fill_call_{n}(struct idl_fill *f, void *_r)")
        w.open("")
        if m.params or m.ret is not None:
            w(f"struct {n} *r = _r;")
        else:
            w("(void)f;")
            w("(void)_r;")
        det = self.determinants([(p.name, p.ty, None) for p in m.params])
        for direction in ("in", "out"):
            params = m.in_params if direction == "in" else m.out_params
            ctx = self.ctx(m, direction, "r")
            order = sorted(det.items(), key=lambda kv: {"size": 0, "switch": 1, "length": 2}[kv[1][0]])
            for name, (kind, info) in order:
                p = next(x for x in m.params if x.name == name)
                if p not in params:
                    continue
                self.set_determinant(w, kind, info, p.ty, f"r->{direction}.{name}", p.range, ctx)
            for p in params:
                if p.name in det:
                    continue
                lv = f"r->{direction}.{p.name}"
                if isinstance(p.ty, PtrT) and p.ty.toplevel and p.ty.ptype == "ref" and \
                        not isinstance(p.ty.target, (CArrT, StrT)):
                    w(f"IDL_FILL_ALLOC(f, {lv}, {c_base(p.ty.target).rstrip()});")
                    self.fill(w, p.ty.target, f"(*{lv})", ctx)
                else:
                    self.fill(w, p.ty, lv, ctx, p.range)
            if direction == "out" and m.ret is not None:
                self.fill(w, m.ret, "r->out.result", ctx)
        w.close()
        w()
        # equal
        w(f"static bool equal_call_{n}(const void *_a, const void *_b, int flags)")
        w.open("")
        if m.in_params or m.out_params or m.ret is not None:
            w(f"const struct {n} *a = _a, *b = _b;")
        else:
            w("(void)_a;")
            w("(void)_b;")
        for direction in ("in", "out"):
            params = m.in_params if direction == "in" else m.out_params
            if not params and not (direction == "out" and m.ret is not None):
                continue
            ctx = self.ctx(m, direction, "a")
            w.open(f"if (flags & NDR_{direction.upper()})")
            for p in params:
                self.equal(w, p.ty, f"a->{direction}.{p.name}", f"b->{direction}.{p.name}", ctx,
                           f"{n}.{direction}.{p.name}")
            if direction == "out" and m.ret is not None:
                self.equal(w, m.ret, "a->out.result", "b->out.result", ctx, f"{n}.out.result")
            w.close()
        w("return true;")
        w.close()
        w()
        if m.in_params:
            w(f"static void copy_in_{n}(void *dst, const void *src)")
            w.open("")
            w(f"((struct {n} *)dst)->in = ((const struct {n} *)src)->in;")
            w.close()
            w()

    def ctx(self, m, direction, r):
        def ref(name, deref):
            p = next(x for x in m.params if x.name == name)
            side = "out" if (direction == "out" and p.outp) else "in" if p.inp else "out"
            lv = f"{r}->{side}.{name}"
            return f"(*{lv})" if deref else lv
        return Ctx(self.model, ref, m.c_name)

    # ------------------------------------------------------------ files

    def emit(self):
        fi = self.fi
        h = W()
        c = W()
        guard = f"IDL_TEST_{fi.c_base.upper()}_H"
        h(f"/* {GENERATED_NOTE.format(idl=fi.idl_name)} */")
        h(f"#ifndef {guard}")
        h(f"#define {guard}")
        h()
        h('#include "ndr/idl_testing.h"')
        h(f'#include "idl/ndr_{fi.c_base}.h"')
        for d in sorted(fi.deps, key=lambda x: x.c_base):
            h(f'#include "idl/test_{d.c_base}.h"')
        h()
        c(f"/* {GENERATED_NOTE.format(idl=fi.idl_name)} */")
        c("#include <string.h>")
        c()
        c(f'#include "idl/test_{fi.c_base}.h"')
        c()
        for d in fi.order:
            if d in fi.enums:
                h(f"void idl_fill_{d.name}(struct idl_fill *f, enum {d.name} *r);")
                self.enum_fill(c, d)
            elif d in fi.structs:
                h(f"void idl_fill_{d.name}(struct idl_fill *f, struct {d.name} *r);")
                h(f"bool idl_equal_{d.name}(const struct {d.name} *a, const struct {d.name} *b, const char *path);")
                self.struct_fill(c, d)
                self.struct_equal(c, d)
            else:
                h(f"void idl_fill_{d.name}(struct idl_fill *f, uint32_t level, union {d.name} *r);")
                h(f"bool idl_equal_{d.name}(uint32_t level, const union {d.name} *a, const union {d.name} *b, "
                  f"const char *path);")
                self.union_funcs(c, d)
        calls = [m for i in fi.interfaces for m in i.methods if not m.reserved]
        for m in calls:
            self.call_funcs(c, m)
        for s in fi.structs:
            c(f"static enum ndr_err_code push_type_{s.name}(struct ndr_push *ndr, int flags, const void *r)")
            c.open("")
            c(f"return ndr_push_{s.name}(ndr, flags, r);")
            c.close()
            c()
            c(f"static enum ndr_err_code pull_type_{s.name}(struct ndr_pull *ndr, int flags, void *r)")
            c.open("")
            c(f"return ndr_pull_{s.name}(ndr, flags, r);")
            c.close()
            c()
            c(f"static void print_type_{s.name}(struct ndr_print *ndr, const char *name, const void *r)")
            c.open("")
            c(f"ndr_print_{s.name}(ndr, name, r);")
            c.close()
            c()
            c(f"static void fill_type_{s.name}(struct idl_fill *f, void *r)")
            c.open("")
            c(f"idl_fill_{s.name}(f, r);")
            c.close()
            c()
            c(f"static bool equal_type_{s.name}(const void *a, const void *b)")
            c.open("")
            c(f"return idl_equal_{s.name}(a, b, \"{s.name}\");")
            c.close()
            c()
        h()
        h(f"/* Every call of {fi.idl_name}; the last entry has name == NULL. */")
        h(f"extern const struct idl_test_call idl_test_calls_{fi.c_base}[];")
        h(f"/* Every structure of {fi.idl_name}; the last entry has name == NULL. */")
        h(f"extern const struct idl_test_type idl_test_types_{fi.c_base}[];")
        h()
        h(f"#endif /* {guard} */")
        c(f"const struct idl_test_call idl_test_calls_{fi.c_base}[] = {{")
        for m in calls:
            n = m.c_name
            copy = f"copy_in_{n}" if m.in_params else "NULL"
            c(f"\t{{ &ndr_table_{m.iface.name}, {m.opnum}, \"{n}\", sizeof(struct {n}), "
              f"fill_call_{n}, equal_call_{n}, {copy} }},")
        c("\t{ NULL, 0, NULL, 0, NULL, NULL, NULL }")
        c("};")
        c()
        c(f"const struct idl_test_type idl_test_types_{fi.c_base}[] = {{")
        for s in fi.structs:
            c(f"\t{{ \"{s.name}\", sizeof(struct {s.name}), push_type_{s.name}, pull_type_{s.name}, "
              f"print_type_{s.name}, fill_type_{s.name}, equal_type_{s.name} }},")
        c("\t{ NULL, 0, NULL, NULL, NULL, NULL, NULL }")
        c("};")
        return h.text(), c.text()


def emit_test(model, fi):
    return TestGen(model, fi).emit()
