"""gen/idl/ndr_<file>.{h,c}: NDR push/pull/print on Samba's libndr, call
tables (struct ndr_interface_table) and struct idl_interface descriptions.

Wire rules (C706 chapter 14, MS-RPCE 2.2.4/2.2.5, NDR 2.0 only):
 - a type's scalars come first, then (NDR_BUFFERS) the referents of its
   embedded pointers, depth first, in field order;
 - each top-level parameter is marshalled whole (scalars then buffers) before
   the next one; top-level [ref] pointers have no wire form;
 - a conformant structure's max count goes before the structure;
 - conformant arrays are aligned to their element after the counts, even when
   empty (as MIDL does).
Pulling trusts nothing: every count is bounded by the bytes left before
anything is allocated, [range] and counts are checked against their fields or
parameters, and pointers and enums are validated.
"""

from c_common import GENERATED_NOTE, PRIM_NDR, W, c_base, union_switch
from idl_lexer import IdlError
from idl_model import (BstrT, CArrT, EnumT, FArrT, FStrT, GuidT, IfaceT, PolicyT, PrimT,
                       PtrT, RemT, StrT, StructT, UnionT, align, conformant_array_path,
                       has_buffers, is_conformant, min_size)
from c_common import Ctx
from emit_ndr_calls import CallEmitter


def iface_as_ptr(model, ty):
    if isinstance(ty, IfaceT):
        return PtrT("unique", StructT(model.structs["MInterfacePointer"]), False)
    return ty


def bulk_kind(elem):
    """'u8'/'u16' when an array of ELEM can be moved in one call."""
    if isinstance(elem, PrimT) and elem.size == 1:
        return "u8"
    if isinstance(elem, PrimT) and elem.size == 2:
        return "u16"
    return None


def fname(kind, defn):
    return f"ndr_{kind}_{defn.name}"


# Types whose values are marshalled by one ndr_push_X/ndr_pull_X function.
LIBNDR_NAMES = {GuidT: "GUID", PolicyT: "policy_handle", BstrT: "BSTR"}


def named_type(ty):
    return isinstance(ty, (StructT, UnionT)) or type(ty) in LIBNDR_NAMES


class NdrGen(CallEmitter):
    def __init__(self, model, fi):
        self.model = model
        self.fi = fi

    # ------------------------------------------------------------ push

    def push_scalars(self, w, ty, lv, ctx, rng=None, switch=None):
        ty = iface_as_ptr(self.model, ty)
        if isinstance(ty, PrimT):
            if rng:
                w(f"NDR_CHECK(idl_push_range(ndr, (int64_t){lv}, {rng[0]}, {rng[1]}, \"{ctx.what}\"));")
            fn = PRIM_NDR[ty.name][0]
            val = f"(uint64_t){lv}" if ty.name == "int64" else lv
            w(f"NDR_CHECK(ndr_push_{fn}(ndr, NDR_SCALARS, {val}));")
        elif isinstance(ty, EnumT):
            if rng:
                w(f"NDR_CHECK(idl_push_range(ndr, (int64_t){lv}, {rng[0]}, {rng[1]}, \"{ctx.what}\"));")
            if ty.defn.v1:
                w(f"NDR_CHECK(idl_push_enum32(ndr, (int64_t){lv}));")
            else:
                w(f"NDR_CHECK(idl_push_enum16(ndr, (int64_t){lv}));")
        elif named_type(ty):
            self.named_call(w, "push", "NDR_SCALARS", ty, lv, switch)
        elif isinstance(ty, PtrT):
            assert not ty.toplevel or ty.ptype != "ref"
            if ty.ptype == "ref":
                w(f"if ({lv} == NULL) {{")
                w(f"\treturn ndr_push_error(ndr, NDR_ERR_INVALID_POINTER, \"NULL [ref] pointer {ctx.what}\");")
                w("}")
            w(f"NDR_CHECK(ndr_push_unique_ptr(ndr, {lv}));")
        elif isinstance(ty, FArrT):
            self.elements(w, "push", ty.elem, lv, ty.n, ctx, ("scalars",))
        elif isinstance(ty, FStrT):
            w(f"NDR_CHECK(idl_push_fstring(ndr, {lv}, {ty.n}));")
        elif isinstance(ty, RemT):
            w(f"if ({lv}.length != 0) {{")
            w(f"\tNDR_CHECK(ndr_push_bytes(ndr, {lv}.data, {lv}.length));")
            w("}")
        else:
            raise AssertionError(ty)

    def push_buffers(self, w, ty, lv, ctx, switch=None):
        ty = iface_as_ptr(self.model, ty)
        if not has_buffers(ty):
            return
        if named_type(ty):
            self.named_call(w, "push", "NDR_BUFFERS", ty, lv, switch)
        elif isinstance(ty, PtrT):
            w.open(f"if ({lv} != NULL)")
            self.push_referent(w, ty.target, lv, ctx)
            w.close()
        elif isinstance(ty, FArrT):
            self.elements(w, "push", ty.elem, lv, ty.n, ctx, ("buffers",))
        else:
            raise AssertionError(ty)

    def push_array_counts(self, w, arr, p, ctx, conformance):
        """Pushes [max count,] offset and actual count; returns the element count."""
        n = w.tmp("n")
        w(f"uint32_t {n} = {ctx.expr(arr.size)};")
        if conformance:
            w(f"NDR_CHECK(ndr_push_uint3264(ndr, NDR_SCALARS, {n}));")
        count = n
        if arr.length is not None:
            ln = w.tmp("len")
            w(f"uint32_t {ln} = {ctx.expr(arr.length)};")
            w(f"if ({ln} > {n}) {{")
            w(f"\treturn ndr_push_error(ndr, NDR_ERR_ARRAY_SIZE, \"{ctx.what}: length %u > size %u\", {ln}, {n});")
            w("}")
            w("NDR_CHECK(ndr_push_uint3264(ndr, NDR_SCALARS, 0));")
            w(f"NDR_CHECK(ndr_push_uint3264(ndr, NDR_SCALARS, {ln}));")
            count = ln
        w(f"if ({count} != 0 && {p} == NULL) {{")
        w(f"\treturn ndr_push_error(ndr, NDR_ERR_INVALID_POINTER, \"NULL array {ctx.what}\");")
        w("}")
        a = align(arr.elem)
        if a > 1:
            w(f"NDR_CHECK(ndr_push_align(ndr, {a}));")
        return count

    def push_referent(self, w, target, p, ctx):
        if isinstance(target, CArrT):
            count = self.push_array_counts(w, target, p, ctx, conformance=True)
            self.elements(w, "push", target.elem, p, count, ctx)
        elif isinstance(target, StrT):
            w(f"NDR_CHECK(idl_push_string{target.bits}(ndr, {p}));")
        elif isinstance(target, StructT):
            w(f"NDR_CHECK({fname('push', target.defn)}(ndr, NDR_SCALARS|NDR_BUFFERS, {p}));")
        elif isinstance(target, FArrT):
            raise IdlError(ctx.what, "pointers to fixed arrays are not supported")
        else:
            self.push_scalars(w, target, f"(*{p})", ctx)
            self.push_buffers(w, target, f"(*{p})", ctx)

    # ------------------------------------------------------------ pull

    def pull_scalars(self, w, ty, lv, ctx, rng=None, switch=None):
        ty = iface_as_ptr(self.model, ty)
        if isinstance(ty, PrimT):
            fn = PRIM_NDR[ty.name][0]
            if ty.name == "int64":
                t = w.tmp("v")
                w(f"uint64_t {t};")
                w(f"NDR_CHECK(ndr_pull_hyper(ndr, NDR_SCALARS, &{t}));")
                w(f"{lv} = (int64_t){t};")
            else:
                w(f"NDR_CHECK(ndr_pull_{fn}(ndr, NDR_SCALARS, &{lv}));")
            if rng:
                w(f"NDR_CHECK(idl_pull_range(ndr, (int64_t){lv}, {rng[0]}, {rng[1]}, \"{ctx.what}\"));")
        elif isinstance(ty, EnumT):
            t = w.tmp("e")
            w(f"int32_t {t};")
            w(f"NDR_CHECK(idl_pull_enum{32 if ty.defn.v1 else 16}(ndr, &{t}));")
            w(f"{lv} = (enum {ty.defn.name}){t};")
            if rng:
                w(f"NDR_CHECK(idl_pull_range(ndr, (int64_t){lv}, {rng[0]}, {rng[1]}, \"{ctx.what}\"));")
        elif named_type(ty):
            self.named_call(w, "pull", "NDR_SCALARS", ty, lv, switch)
        elif isinstance(ty, PtrT):
            p = w.tmp("ptr")
            w(f"uint32_t {p};")
            w(f"NDR_CHECK(ndr_pull_generic_ptr(ndr, &{p}));")
            if ty.ptype == "ref":
                w(f"if ({p} == 0) {{")
                w(f"\treturn ndr_pull_error(ndr, NDR_ERR_INVALID_POINTER, \"NULL [ref] pointer {ctx.what}\");")
                w("}")
            w.open(f"if ({p} != 0)")
            self.alloc_target(w, ty.target, lv, ctx)
            w.close(" else {")
            w(f"\t{lv} = NULL;")
            w("}")
        elif isinstance(ty, FArrT):
            self.elements(w, "pull", ty.elem, lv, ty.n, ctx, ("scalars",))
        elif isinstance(ty, FStrT):
            w(f"NDR_CHECK(idl_pull_fstring(ndr, {lv}, {ty.n}));")
        elif isinstance(ty, RemT):
            w(f"NDR_CHECK(idl_pull_remaining(ndr, &{lv}));")
        else:
            raise AssertionError(ty)

    def alloc_target(self, w, target, lv, ctx):
        """Allocates what a non-NULL pointer LV points to (a placeholder for
        arrays and strings, replaced when the referent is pulled)."""
        if isinstance(target, CArrT):
            w(f"IDL_PULL_ZALLOC(ndr, {lv}, {c_base(target.elem).rstrip()});")
        elif isinstance(target, StrT):
            w(f"IDL_PULL_ZALLOC(ndr, {lv}, char);")
        elif isinstance(target, FArrT):
            raise IdlError(ctx.what, "pointers to fixed arrays are not supported")
        else:
            w(f"IDL_PULL_ZALLOC(ndr, {lv}, {c_base(target).rstrip()});")

    def pull_buffers(self, w, ty, lv, ctx, switch=None, rec=None):
        ty = iface_as_ptr(self.model, ty)
        if not has_buffers(ty):
            return
        if named_type(ty):
            self.named_call(w, "pull", "NDR_BUFFERS", ty, lv, switch)
        elif isinstance(ty, PtrT):
            w.open(f"if ({lv} != NULL)")
            self.pull_referent(w, ty.target, lv, ctx, rec=rec)
            w.close()
        elif isinstance(ty, FArrT):
            self.elements(w, "pull", ty.elem, lv, ty.n, ctx, ("buffers",))
        else:
            raise AssertionError(ty)

    def pull_array_counts(self, w, arr, ctx, conformance, check_now, rec):
        """Pulls [max count,] offset and actual count; checks them; returns the
        C name of the element count."""
        n = w.tmp("n")
        if conformance is None:
            w(f"uint32_t {n};")
            w(f"NDR_CHECK(ndr_pull_uint3264(ndr, NDR_SCALARS, &{n}));")
        else:
            w(f"uint32_t {n} = {conformance};")
        if check_now:
            w(f"if ({n} != {ctx.expr(arr.size)}) {{")
            w(f"\treturn ndr_pull_error(ndr, NDR_ERR_ARRAY_SIZE, \"{ctx.what}: size %u is not [size_is]\", {n});")
            w("}")
        if rec:
            w(f"{rec[0]} = {n};")
        count = n
        if arr.length is not None:
            off = w.tmp("off")
            ln = w.tmp("len")
            w(f"uint32_t {off}, {ln};")
            w(f"NDR_CHECK(ndr_pull_uint3264(ndr, NDR_SCALARS, &{off}));")
            w(f"NDR_CHECK(ndr_pull_uint3264(ndr, NDR_SCALARS, &{ln}));")
            w(f"if ({off} != 0 || {ln} > {n}) {{")
            w(f"\treturn ndr_pull_error(ndr, NDR_ERR_ARRAY_SIZE, \"{ctx.what}: bad offset %u or length %u\", {off}, {ln});")
            w("}")
            if check_now:
                w(f"if ({ln} != {ctx.expr(arr.length)}) {{")
                w(f"\treturn ndr_pull_error(ndr, NDR_ERR_ARRAY_SIZE, \"{ctx.what}: length %u is not [length_is]\", {ln});")
                w("}")
            if rec:
                w(f"{rec[1]} = {ln};")
            count = ln
        w(f"NDR_CHECK(idl_pull_check_count(ndr, {count}, {max(1, min_size(arr.elem))}));")
        return count

    def pull_referent(self, w, target, p, ctx, rec=None):
        if isinstance(target, CArrT):
            count = self.pull_array_counts(w, target, ctx, None, check_now=rec is None, rec=rec)
            w(f"IDL_PULL_ZALLOC_N(ndr, {p}, {c_base(target.elem).rstrip()}, {count});")
            a = align(target.elem)
            if a > 1:
                w(f"NDR_CHECK(ndr_pull_align(ndr, {a}));")
            self.elements(w, "pull", target.elem, p, count, ctx)
        elif isinstance(target, StrT):
            w(f"NDR_CHECK(idl_pull_string{target.bits}(ndr, &{p}));")
        elif isinstance(target, IfaceT):
            self.pull_scalars(w, target, f"(*{p})", ctx)
            self.pull_buffers(w, target, f"(*{p})", ctx)
        elif isinstance(target, StructT):
            w(f"NDR_CHECK({fname('pull', target.defn)}(ndr, NDR_SCALARS|NDR_BUFFERS, {p}));")
        else:
            self.pull_scalars(w, target, f"(*{p})", ctx)
            self.pull_buffers(w, target, f"(*{p})", ctx, rec=rec)

    # ------------------------------------------------------------ shared by push and pull

    def named_call(self, w, kind, phase, ty, lv, switch=None):
        name = LIBNDR_NAMES.get(type(ty)) or ty.defn.name
        level = f"{switch}, " if isinstance(ty, UnionT) else ""
        w(f"NDR_CHECK(ndr_{kind}_{name}(ndr, {phase}, {level}&{lv}));")

    def bulk(self, w, kind, elem, p, count):
        """Moves COUNT 8- or 16-bit values in one call; False for other elements."""
        bk = bulk_kind(elem)
        if bk is None:
            return False
        const = "const " if kind == "push" else ""
        if bk == "u8":
            call = f"NDR_CHECK(ndr_{kind}_array_uint8(ndr, NDR_SCALARS, ({const}uint8_t *){p}, {count}));"
            if kind == "push" and not str(count).isdigit():
                # an empty array may be NULL: no memcpy from NULL
                w(f"if ({count} != 0) {{")
                w("\t" + call)
                w("}")
                return True
            w(call)
        else:
            w(f"NDR_CHECK(idl_{kind}_uint16_array(ndr, ({const}uint16_t *){p}, {count}));")
        return True

    def elements(self, w, kind, elem, p, count, ctx, phases=("scalars", "buffers")):
        """COUNT elements of array P: all their scalars, then all their buffers."""
        if "scalars" in phases and not self.bulk(w, kind, elem, p, count):
            self.loop(w, kind, "scalars", elem, p, count, ctx)
        if "buffers" in phases and has_buffers(iface_as_ptr(self.model, elem)):
            self.loop(w, kind, "buffers", elem, p, count, ctx)

    def loop(self, w, kind, phase, elem, p, count, ctx):
        i = w.tmp("i")
        w.open(f"for (uint32_t {i} = 0; {i} < {count}; {i}++)")
        getattr(self, f"{kind}_{phase}")(w, elem, f"{p}[{i}]", ctx)
        w.close()

    def struct_scalars_begin(self, w, kind, s):
        """A structure function's body up to its first field."""
        w.open("")
        w(f"NDR_{kind.upper()}_CHECK_FLAGS(ndr, ndr_flags);")
        w.open("if (ndr_flags & NDR_SCALARS)")
        a = align(StructT(s))
        if a > 1:
            w(f"NDR_CHECK(ndr_{kind}_align(ndr, {a}));")

    def struct_end(self, w, kind, s):
        """Closes the scalars, adds the buffers, ends the function."""
        w.close()
        self.struct_buffers(w, kind, s)
        w("return NDR_ERR_SUCCESS;")
        w.close()
        w()

    def struct_buffers(self, w, kind, s):
        """The NDR_BUFFERS part of a structure's push or pull."""
        if not has_buffers(StructT(s)):
            return
        w.open("if (ndr_flags & NDR_BUFFERS)")
        for m in s.members:
            if not has_buffers(iface_as_ptr(self.model, m.ty)):
                continue
            ctx = self.member_ctx(s, m)
            lv = f"r->{m.name}"
            if isinstance(m.ty, CArrT):
                count = ctx.expr(m.ty.length if m.ty.length is not None else m.ty.size)
                self.elements(w, kind, m.ty.elem, lv, count, ctx, ("buffers",))
            elif isinstance(m.ty, StructT) and is_conformant(m.ty):
                extra = ", NULL" if kind == "pull" else ""
                w(f"NDR_CHECK(idl_{kind}_{m.ty.defn.name}_body(ndr, NDR_BUFFERS, &{lv}{extra}));")
            else:
                sw = ctx.expr(m.switch_is) if m.switch_is is not None else None
                getattr(self, f"{kind}_buffers")(w, m.ty, lv, ctx, sw)
        w.close()

    # ------------------------------------------------------------ print

    def print_value(self, w, ty, name, lv, ctx, switch=None, secret=False):
        if secret:
            w.open(f"if (!idl_print_hide(ndr, \"{name}\"))")
            self.print_value(w, ty, name, lv, ctx, switch)
            w.close()
            return
        if isinstance(ty, PrimT):
            if ty.hresult:
                w(f"ndr_print_HRESULT(ndr, \"{name}\", {lv});")
            else:
                w(f"ndr_print_{PRIM_NDR[ty.name][1]}(ndr, \"{name}\", {lv});")
        elif isinstance(ty, EnumT):
            w(f"ndr_print_{ty.defn.name}(ndr, \"{name}\", &{lv});")
        elif isinstance(ty, StructT):
            w(f"ndr_print_{ty.defn.name}(ndr, \"{name}\", &{lv});")
        elif isinstance(ty, UnionT):
            w(f"ndr_print_{ty.defn.name}(ndr, \"{name}\", {switch}, &{lv});")
        elif isinstance(ty, GuidT):
            w(f"ndr_print_GUID(ndr, \"{name}\", &{lv});")
        elif isinstance(ty, PolicyT):
            w(f"ndr_print_policy_handle(ndr, \"{name}\", &{lv});")
        elif isinstance(ty, BstrT):
            w(f"ndr_print_BSTR(ndr, \"{name}\", &{lv});")
        elif isinstance(ty, IfaceT):
            w(f"ndr_print_ptr(ndr, \"{name}\", {lv});")
            w("ndr->depth++;")
            w(f"if ({lv} != NULL) {{")
            w(f"\tndr_print_MInterfacePointer(ndr, \"{name}\", {lv});")
            w("}")
            w("ndr->depth--;")
        elif isinstance(ty, PtrT):
            t = ty.target
            if isinstance(t, StrT):
                w(f"idl_print_string(ndr, \"{name}\", {lv});")
                return
            w(f"ndr_print_ptr(ndr, \"{name}\", {lv});")
            w("ndr->depth++;")
            w.open(f"if ({lv} != NULL)")
            if isinstance(t, CArrT):
                count = ctx.expr(t.length if t.length is not None else t.size)
                self.print_array(w, t.elem, name, lv, count, ctx)
            else:
                self.print_value(w, t, name, f"(*{lv})", ctx)
            w.close()
            w("ndr->depth--;")
        elif isinstance(ty, FArrT):
            if isinstance(ty.elem, PrimT) and ty.elem.wchar:
                w(f"idl_print_wchars(ndr, \"{name}\", {lv}, {ty.n});")
            else:
                self.print_array(w, ty.elem, name, lv, str(ty.n), ctx)
        elif isinstance(ty, FStrT):
            w(f"idl_print_fstring(ndr, \"{name}\", {lv}, {ty.n});")
        elif isinstance(ty, CArrT):
            count = ctx.expr(ty.length if ty.length is not None else ty.size)
            self.print_array(w, ty.elem, name, lv, count, ctx)
        elif isinstance(ty, RemT):
            w(f"ndr_print_DATA_BLOB(ndr, \"{name}\", {lv});")
        else:
            raise AssertionError(ty)

    def print_array(self, w, elem, name, p, count, ctx):
        if isinstance(elem, PrimT) and elem.size == 1:
            w(f"ndr_print_array_uint8(ndr, \"{name}\", (const uint8_t *){p}, {count});")
            return
        i = w.tmp("i")
        idx = w.tmp("idx")
        w(f"ndr->print(ndr, \"%s: ARRAY(%u)\", \"{name}\", (unsigned){count});")
        w("ndr->depth++;")
        w.open(f"for (uint32_t {i} = 0; {i} < {count}; {i}++)")
        w(f"char {idx}[16];")
        w(f"snprintf({idx}, sizeof({idx}), \"[%u]\", (unsigned){i});")
        self.print_value_dyn(w, elem, idx, f"{p}[{i}]", ctx)
        w.close()
        w("ndr->depth--;")

    def print_value_dyn(self, w, ty, name_c, lv, ctx):
        """print_value with a C expression as the name."""
        sub = W()
        sub.counter = w.counter
        self.print_value(sub, ty, "\x00", lv, ctx)
        w.counter = sub.counter
        for line in sub.lines:
            w(line.replace('"\x00"', name_c))

    # ------------------------------------------------------------ structures

    def struct_ctx(self, s, r="r", prefix=""):
        return Ctx(self.model, lambda n, d: f"{r}->{prefix}{n}", s.name)

    def member_ctx(self, s, m, r="r", prefix=""):
        return Ctx(self.model, lambda n, d: f"{r}->{prefix}{n}", f"{s.name}.{m.name}")

    def emit_struct(self, h, c, s):
        if s.packet:
            return self.emit_packet_struct(h, c, s)
        st = StructT(s)
        conformant = is_conformant(st)
        h(f"enum ndr_err_code ndr_push_{s.name}(struct ndr_push *ndr, int ndr_flags, const struct {s.name} *r);")
        h(f"enum ndr_err_code ndr_pull_{s.name}(struct ndr_pull *ndr, int ndr_flags, struct {s.name} *r);")
        h(f"void ndr_print_{s.name}(struct ndr_print *ndr, const char *name, const struct {s.name} *r);")
        if conformant:
            h(f"enum ndr_err_code idl_push_{s.name}_body(struct ndr_push *ndr, int ndr_flags, "
              f"const struct {s.name} *r);")
            h(f"enum ndr_err_code idl_pull_{s.name}_body(struct ndr_pull *ndr, int ndr_flags, "
              f"struct {s.name} *r, const uint32_t *conformance);")
            path = conformant_array_path(s)
            inner_prefix = "".join(m.name + "." for m in path[:-1])
            arr = path[-1].ty
            ictx = Ctx(self.model, lambda n, d: f"r->{inner_prefix}{n}", f"{s.name}.{path[-1].name}")
            # public push: hoisted conformance, then the body
            w = W()
            w(f"enum ndr_err_code ndr_push_{s.name}(struct ndr_push *ndr, int ndr_flags, const struct {s.name} *r)")
            w.open("")
            w("NDR_PUSH_CHECK_FLAGS(ndr, ndr_flags);")
            w.open("if (ndr_flags & NDR_SCALARS)")
            w(f"NDR_CHECK(ndr_push_uint3264(ndr, NDR_SCALARS, {ictx.expr(arr.size)}));")
            w.close()
            w(f"return idl_push_{s.name}_body(ndr, ndr_flags, r);")
            w.close()
            w()
            w(f"enum ndr_err_code ndr_pull_{s.name}(struct ndr_pull *ndr, int ndr_flags, struct {s.name} *r)")
            w.open("")
            w("uint32_t _conformance = 0;")
            w("NDR_PULL_CHECK_FLAGS(ndr, ndr_flags);")
            w.open("if (ndr_flags & NDR_SCALARS)")
            w("NDR_CHECK(ndr_pull_uint3264(ndr, NDR_SCALARS, &_conformance));")
            w.close()
            w(f"return idl_pull_{s.name}_body(ndr, ndr_flags, r, &_conformance);")
            w.close()
            w()
            c(w.text())
        c(self.struct_push(s, conformant))
        c(self.struct_pull(s, conformant))
        c(self.struct_print(s))

    def struct_push(self, s, conformant):
        w = W()
        if conformant:
            w(f"enum ndr_err_code idl_push_{s.name}_body(struct ndr_push *ndr, int ndr_flags, const struct {s.name} *r)")
        else:
            w(f"enum ndr_err_code ndr_push_{s.name}(struct ndr_push *ndr, int ndr_flags, const struct {s.name} *r)")
        self.struct_scalars_begin(w, "push", s)
        for m in s.members:
            ctx = self.member_ctx(s, m)
            lv = f"r->{m.name}"
            sw = ctx.expr(m.switch_is) if m.switch_is is not None else None
            if isinstance(m.ty, CArrT):
                count = self.push_array_counts(w, m.ty, lv, ctx, conformance=False)
                self.elements(w, "push", m.ty.elem, lv, count, ctx, ("scalars",))
            elif isinstance(m.ty, StructT) and is_conformant(m.ty):
                w(f"NDR_CHECK(idl_push_{m.ty.defn.name}_body(ndr, NDR_SCALARS, &{lv}));")
            else:
                self.push_scalars(w, m.ty, lv, ctx, m.range, sw)
        self.struct_end(w, "push", s)
        return w.text()

    def struct_pull(self, s, conformant):
        w = W()
        if conformant:
            w(f"enum ndr_err_code idl_pull_{s.name}_body(struct ndr_pull *ndr, int ndr_flags, struct {s.name} *r, "
              f"const uint32_t *conformance)")
        else:
            w(f"enum ndr_err_code ndr_pull_{s.name}(struct ndr_pull *ndr, int ndr_flags, struct {s.name} *r)")
        self.struct_scalars_begin(w, "pull", s)
        for m in s.members:
            ctx = self.member_ctx(s, m)
            lv = f"r->{m.name}"
            sw = ctx.expr(m.switch_is) if m.switch_is is not None else None
            if isinstance(m.ty, CArrT):
                # conformance: hoisted (NDR) or, in [packet] types, the size field
                conf = f"(conformance != NULL ? *conformance : {ctx.expr(m.ty.size)})"
                count = self.pull_array_counts(w, m.ty, ctx, conf, check_now=True, rec=None)
                w(f"IDL_PULL_ZALLOC_N(ndr, {lv}, {c_base(m.ty.elem).rstrip()}, {count});")
                al = align(m.ty.elem)
                if al > 1:
                    w(f"NDR_CHECK(ndr_pull_align(ndr, {al}));")
                self.elements(w, "pull", m.ty.elem, lv, count, ctx, ("scalars",))
            elif isinstance(m.ty, StructT) and is_conformant(m.ty):
                w(f"NDR_CHECK(idl_pull_{m.ty.defn.name}_body(ndr, NDR_SCALARS, &{lv}, conformance));")
            else:
                self.pull_scalars(w, m.ty, lv, ctx, m.range, sw)
        self.struct_end(w, "pull", s)
        return w.text()

    def struct_print(self, s):
        w = W()
        w(f"void ndr_print_{s.name}(struct ndr_print *ndr, const char *name, const struct {s.name} *r)")
        w.open("")
        w(f"ndr_print_struct(ndr, name, \"{s.name}\");")
        w("if (r == NULL) {")
        w("\tndr_print_null(ndr);")
        w("\treturn;")
        w("}")
        w("ndr->depth++;")
        for m in s.members:
            ctx = self.member_ctx(s, m)
            sw = ctx.expr(m.switch_is) if m.switch_is is not None else None
            self.print_value(w, m.ty, m.name, f"r->{m.name}", ctx, switch=sw, secret=m.secret)
        w("ndr->depth--;")
        w.close()
        w()
        return w.text()

    # ------------------------------------------------------------ [packet] structures

    def packet_member(self, w, kind, ty, lv, ctx, switch=None):
        """One field of a [packet] type: no counts, no discriminants, no padding."""
        if isinstance(ty, StructT):
            name = ty.defn.name
            if ty.defn.packet:
                w(f"NDR_CHECK(idl_{kind}_{name}_packet(ndr, &{lv}));")
            elif is_conformant(ty):
                conf = ", NULL" if kind == "pull" else ""
                w(f"NDR_CHECK(idl_{kind}_{name}_body(ndr, NDR_SCALARS, &{lv}{conf}));")
            else:
                w(f"NDR_CHECK(ndr_{kind}_{name}(ndr, NDR_SCALARS, &{lv}));")
        elif isinstance(ty, UnionT):
            w(f"NDR_CHECK(idl_{kind}_{ty.defn.name}_body(ndr, NDR_SCALARS, {switch}, &{lv}));")
        elif isinstance(ty, (CArrT, FArrT)):
            count = ty.n if isinstance(ty, FArrT) else None
            if count is None and kind == "push":
                count = self.push_array_counts(w, ty, lv, ctx, conformance=False)
            elif count is None:
                count = self.pull_array_counts(w, ty, ctx, ctx.expr(ty.size), check_now=False, rec=None)
                w(f"IDL_PULL_ZALLOC_N(ndr, {lv}, {c_base(ty.elem).rstrip()}, {count});")
            if not self.bulk(w, kind, ty.elem, lv, count):
                i = w.tmp("i")
                w.open(f"for (uint32_t {i} = 0; {i} < {count}; {i}++)")
                self.packet_member(w, kind, ty.elem, f"{lv}[{i}]", ctx)
                w.close()
        else:
            getattr(self, f"{kind}_scalars")(w, ty, lv, ctx)

    def packet_wrapper(self, w, kind, sig, call):
        w(sig)
        w.open("")
        w("uint32_t _saved_flags = ndr->flags;")
        w("enum ndr_err_code _err;")
        w(f"NDR_{kind.upper()}_CHECK_FLAGS(ndr, ndr_flags);")
        w("if (!(ndr_flags & NDR_SCALARS)) {")
        w("\treturn NDR_ERR_SUCCESS;")
        w("}")
        w("/* a packet, not NDR: no padding, little-endian (docs/idlc.md) */")
        w("ndr->flags |= LIBNDR_FLAG_NOALIGN | LIBNDR_FLAG_LITTLE_ENDIAN;")
        w(f"_err = {call};")
        w("ndr->flags = _saved_flags;")
        w("return _err;")
        w.close()
        w()

    def emit_packet_struct(self, h, c, s):
        h(f"enum ndr_err_code ndr_push_{s.name}(struct ndr_push *ndr, int ndr_flags, const struct {s.name} *r);")
        h(f"enum ndr_err_code ndr_pull_{s.name}(struct ndr_pull *ndr, int ndr_flags, struct {s.name} *r);")
        h(f"void ndr_print_{s.name}(struct ndr_print *ndr, const char *name, const struct {s.name} *r);")
        h(f"enum ndr_err_code idl_push_{s.name}_packet(struct ndr_push *ndr, const struct {s.name} *r);")
        h(f"enum ndr_err_code idl_pull_{s.name}_packet(struct ndr_pull *ndr, struct {s.name} *r);")
        w = W()
        self.packet_wrapper(w, "push",
                            f"enum ndr_err_code ndr_push_{s.name}(struct ndr_push *ndr, int ndr_flags, "
                            f"const struct {s.name} *r)", f"idl_push_{s.name}_packet(ndr, r)")
        self.packet_wrapper(w, "pull",
                            f"enum ndr_err_code ndr_pull_{s.name}(struct ndr_pull *ndr, int ndr_flags, "
                            f"struct {s.name} *r)", f"idl_pull_{s.name}_packet(ndr, r)")
        for kind in ("push", "pull"):
            const = "const " if kind == "push" else ""
            w(f"enum ndr_err_code idl_{kind}_{s.name}_packet(struct ndr_{kind} *ndr, "
              f"{const}struct {s.name} *r)")
            w.open("")
            for m in s.members:
                ctx = self.member_ctx(s, m)
                sw = ctx.expr(m.switch_is) if m.switch_is is not None else None
                self.packet_member(w, kind, m.ty, f"r->{m.name}", ctx, sw)
            w("return NDR_ERR_SUCCESS;")
            w.close()
            w()
        c(w.text())
        c(self.struct_print(s))

    # ------------------------------------------------------------ unions and enums

    def emit_union(self, h, c, u):
        name = u.name
        h(f"enum ndr_err_code ndr_push_{name}(struct ndr_push *ndr, int ndr_flags, uint32_t level, "
          f"const union {name} *r);")
        h(f"enum ndr_err_code ndr_pull_{name}(struct ndr_pull *ndr, int ndr_flags, uint32_t level, union {name} *r);")
        h(f"void ndr_print_{name}(struct ndr_print *ndr, const char *name, uint32_t level, const union {name} *r);")
        h(f"enum ndr_err_code idl_push_{name}_body(struct ndr_push *ndr, int ndr_flags, uint32_t level, "
          f"const union {name} *r);")
        h(f"enum ndr_err_code idl_pull_{name}_body(struct ndr_pull *ndr, int ndr_flags, uint32_t level, "
          f"union {name} *r);")
        ctx = Ctx(self.model, lambda n, d: "?", name)
        sty = u.switch_ty
        w = W()
        # public functions
        for kind in ("push", "pull"):
            const = "const " if kind == "push" else ""
            w(f"enum ndr_err_code ndr_{kind}_{name}(struct ndr_{kind} *ndr, int ndr_flags, uint32_t level, "
              f"{const}union {name} *r)")
            w.open("")
            if u.packet:
                w("uint32_t _saved_flags = ndr->flags;")
                w("enum ndr_err_code _err;")
                w(f"NDR_{kind.upper()}_CHECK_FLAGS(ndr, ndr_flags);")
                w("ndr->flags |= LIBNDR_FLAG_NOALIGN | LIBNDR_FLAG_LITTLE_ENDIAN;")
                w(f"_err = idl_{kind}_{name}_body(ndr, ndr_flags, level, r);")
                w("ndr->flags = _saved_flags;")
                w("return _err;")
            else:
                w(f"NDR_{kind.upper()}_CHECK_FLAGS(ndr, ndr_flags);")
                w.open("if (ndr_flags & NDR_SCALARS)")
                # MS-RPCE 2.2.4.8: the discriminant is marshalled again in front of the arm
                if kind == "push":
                    if isinstance(sty, PrimT) and sty.size < 4:
                        w(f"if (level > {(1 << (8 * sty.size)) - 1}U) {{")
                        w(f"\treturn ndr_push_error(ndr, NDR_ERR_BAD_SWITCH, \"{name}: level %u\", level);")
                        w("}")
                    self.push_scalars(w, sty, f"({c_base(sty)})level", ctx)
                else:
                    t = w.tmp("level")
                    w(f"{c_base(sty)} {t};")
                    self.pull_scalars(w, sty, t, ctx)
                    w(f"if ((uint32_t){t} != level) {{")
                    w(f"\treturn ndr_pull_error(ndr, NDR_ERR_BAD_SWITCH, \"{name}: discriminant %u, expected %u\", "
                      f"(uint32_t){t}, level);")
                    w("}")
                w.close()
                w(f"return idl_{kind}_{name}_body(ndr, ndr_flags, level, r);")
            w.close()
            w()
        for kind in ("push", "pull"):
            const = "const " if kind == "push" else ""
            w(f"enum ndr_err_code idl_{kind}_{name}_body(struct ndr_{kind} *ndr, int ndr_flags, uint32_t level, "
              f"{const}union {name} *r)")
            w.open("")
            for phase in ("NDR_SCALARS", "NDR_BUFFERS"):
                if phase == "NDR_BUFFERS" and (u.packet or not has_buffers(UnionT(u))):
                    continue
                w.open(f"if (ndr_flags & {phase})")

                def arm(a, kind=kind, phase=phase):
                    mctx = Ctx(self.model, lambda n, d: "?", f"{name}.{a.member.name}")
                    lv = f"r->{a.member.name}"
                    if u.packet:
                        self.packet_member(w, kind, a.member.ty, lv, mctx)
                    elif phase == "NDR_SCALARS":
                        getattr(self, f"{kind}_scalars")(w, a.member.ty, lv, mctx, a.member.range)
                    else:
                        getattr(self, f"{kind}_buffers")(w, a.member.ty, lv, mctx)
                union_switch(w, u, arm, f"return ndr_{kind}_error(ndr, NDR_ERR_BAD_SWITCH, "
                                        f"\"{name}: bad level %u\", level);")
                w.close()
            w("return NDR_ERR_SUCCESS;")
            w.close()
            w()
        # print
        w(f"void ndr_print_{name}(struct ndr_print *ndr, const char *name, uint32_t level, const union {name} *r)")
        w.open("")
        w(f"ndr_print_union(ndr, name, (int)level, \"{name}\");")
        w("if (r == NULL) {")
        w("\tndr_print_null(ndr);")
        w("\treturn;")
        w("}")
        union_switch(w, u, lambda a: self.print_value(w, a.member.ty, a.member.name, f"r->{a.member.name}", ctx,
                                                     secret=a.member.secret),
                     "ndr_print_bad_level(ndr, name, (uint16_t)level);")
        w.close()
        w()
        c(w.text())

    def emit_enum(self, h, c, e):
        h(f"enum ndr_err_code ndr_push_{e.name}(struct ndr_push *ndr, int ndr_flags, const enum {e.name} *r);")
        h(f"enum ndr_err_code ndr_pull_{e.name}(struct ndr_pull *ndr, int ndr_flags, enum {e.name} *r);")
        h(f"void ndr_print_{e.name}(struct ndr_print *ndr, const char *name, const enum {e.name} *r);")
        w = W()
        ctx = Ctx(self.model, lambda n, d: "?", e.name)
        w(f"enum ndr_err_code ndr_push_{e.name}(struct ndr_push *ndr, int ndr_flags, const enum {e.name} *r)")
        w.open("")
        w("NDR_PUSH_CHECK_FLAGS(ndr, ndr_flags);")
        w.open("if (ndr_flags & NDR_SCALARS)")
        self.push_scalars(w, EnumT(e), "(*r)", ctx)
        w.close()
        w("return NDR_ERR_SUCCESS;")
        w.close()
        w()
        w(f"enum ndr_err_code ndr_pull_{e.name}(struct ndr_pull *ndr, int ndr_flags, enum {e.name} *r)")
        w.open("")
        w("NDR_PULL_CHECK_FLAGS(ndr, ndr_flags);")
        w.open("if (ndr_flags & NDR_SCALARS)")
        self.pull_scalars(w, EnumT(e), "(*r)", ctx)
        w.close()
        w("return NDR_ERR_SUCCESS;")
        w.close()
        w()
        w(f"void ndr_print_{e.name}(struct ndr_print *ndr, const char *name, const enum {e.name} *r)")
        w.open("")
        w("const char *val = NULL;")
        w.open("switch ((int64_t)*r)")
        seen = set()
        for n, v in e.items:
            if v in seen:
                continue
            seen.add(v)
            w(f"case {v}: val = \"{n}\"; break;")
        w("default: break;")
        w.close()
        w("ndr_print_enum(ndr, name, \"ENUM\", val, (uint32_t)*r);")
        w.close()
        w()
        c(w.text())

    # ------------------------------------------------------------ files

    def emit(self):
        fi = self.fi
        hl = []
        cl = []
        h = hl.append
        c = cl.append
        for d in fi.order:
            if d in fi.enums:
                self.emit_enum(h, c, d)
            elif d in fi.structs:
                self.emit_struct(h, c, d)
            else:
                self.emit_union(h, c, d)
        for iface in fi.interfaces:
            h(f"/* interface {iface.name} */")
            for m in iface.methods:
                if not m.reserved:
                    self.emit_method(h, c, m)
            self.emit_interface(h, c, iface)
        guard = f"IDL_NDR_{fi.c_base.upper()}_H"
        header = [f"/* {GENERATED_NOTE.format(idl=fi.idl_name)} */",
                  f"#ifndef {guard}", f"#define {guard}", "",
                  "#include <stdbool.h>", "#include <stdint.h>", "",
                  "#include <ndr.h>", "#include <gen_ndr/ndr_misc.h>", "",
                  '#include "ndr/idl_interface.h"',
                  f'#include "idl/{fi.c_base}.h"']
        for d in sorted(fi.deps, key=lambda x: x.c_base):
            header.append(f'#include "idl/ndr_{d.c_base}.h"')
        header.append('#include "ndr/ndr_bstr.h"')
        header.append("")
        header.extend(hl)
        header.append("")
        header.append(f"/* The interfaces of {fi.idl_name}, NULL-terminated. */")
        header.append(f"extern const struct idl_interface *const idl_interfaces_{fi.c_base}[];")
        header.append("")
        header.append(f"#endif /* {guard} */")
        src = [f"/* {GENERATED_NOTE.format(idl=fi.idl_name)} */",
               "#include <stdio.h>", "",
               f'#include "idl/ndr_{fi.c_base}.h"',
               '#include "ndr/idl_runtime.h"', ""]
        src.extend(cl)
        src.append(f"const struct idl_interface *const idl_interfaces_{fi.c_base}[] = {{")
        for iface in fi.interfaces:
            src.append(f"\t&idl_iface_{iface.name},")
        src.append("\tNULL")
        src.append("};")
        return "\n".join(header) + "\n", "\n".join(src) + "\n"
