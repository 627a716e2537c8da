"""The method and interface half of gen/idl/ndr_<file>.{h,c} (emit_ndr.py's
NdrGen inherits it): a method's push/pull/print of its [in] and [out]
parameters, the call tables (struct ndr_interface_table) and the struct
idl_interface descriptions. The wire rules are emit_ndr.py's.
"""

from c_common import Ctx, W, c_base, guid_initializer
from idl_lexer import IdlError
from idl_model import CArrT, PtrT, StrT, expr_names, param_arrays


class CallEmitter:
    """Methods and interfaces; the type-level emitters (push_*, pull_*,
    print_*, Ctx) come from NdrGen."""

    # ------------------------------------------------------------ methods

    def method_ctx(self, m, direction, r="r"):
        def ref(n, deref):
            p = next(x for x in m.params if x.name == n)
            side = "out" if (direction == "out" and p.outp) else "in" if p.inp else "out"
            lv = f"{r}->{side}.{n}"
            return f"(*{lv})" if deref else lv
        return Ctx(self.model, ref, m.c_name)

    def deref_guards(self, w, m, direction, kind, r="r"):
        """NULL checks for pointer parameters that size expressions dereference."""
        names = set()
        for p in (m.in_params if direction == "in" else m.out_params):
            for arr in param_arrays(p.ty):
                for e in (arr.size, arr.length):
                    if e is not None:
                        names.update(n for n, d in expr_names(e) if d)
        for n in sorted(names):
            p = next(x for x in m.params if x.name == n)
            side = "out" if (direction == "out" and p.outp) else "in" if p.inp else "out"
            if kind == "pull" and ((direction == "in" and p.inp) or (direction == "out" and p.outp)):
                continue   # pulled below; checked once it is
            err = "ndr_push_error" if kind == "push" else "ndr_pull_error"
            w(f"if ({r}->{side}.{n} == NULL) {{")
            w(f"\treturn {err}(ndr, NDR_ERR_INVALID_POINTER, \"{m.c_name}: NULL {n}\");")
            w("}")

    def push_param(self, w, m, p, direction):
        lv = f"r->{direction}.{p.name}"
        ctx = self.method_ctx(m, direction)
        ctx.what = f"{m.c_name}.{p.name}"
        ty = p.ty
        if isinstance(ty, PtrT) and ty.toplevel and ty.ptype == "ref":
            if not isinstance(ty.target, CArrT):
                w(f"if ({lv} == NULL) {{")
                w(f"\treturn ndr_push_error(ndr, NDR_ERR_INVALID_POINTER, \"NULL [ref] pointer {ctx.what}\");")
                w("}")
            w.open("")
            self.push_referent(w, ty.target, lv, ctx)
            w.close()
        else:
            w.open("")
            self.push_scalars(w, ty, lv, ctx, p.range)
            self.push_buffers(w, ty, lv, ctx)
            w.close()

    def pull_param(self, w, m, p, direction, rec):
        lv = f"r->{direction}.{p.name}"
        ctx = self.method_ctx(m, direction)
        ctx.what = f"{m.c_name}.{p.name}"
        ty = p.ty
        w.open("")
        if isinstance(ty, PtrT) and ty.toplevel and ty.ptype == "ref":
            t = ty.target
            if not isinstance(t, (CArrT, StrT)):
                w(f"if ({lv} == NULL) {{")
                w(f"\tIDL_PULL_ZALLOC(ndr, {lv}, {c_base(t).rstrip()});")
                w("}")
            self.pull_referent(w, t, lv, ctx, rec=rec)
        else:
            self.pull_scalars(w, ty, lv, ctx, p.range)
            self.pull_buffers(w, ty, lv, ctx, rec=rec)
        w.close()

    def emit_method(self, h, c, m):
        n = m.c_name
        h(f"enum ndr_err_code ndr_push_{n}(struct ndr_push *ndr, int flags, const struct {n} *r);")
        h(f"enum ndr_err_code ndr_pull_{n}(struct ndr_pull *ndr, int flags, struct {n} *r);")
        h(f"void ndr_print_{n}(struct ndr_print *ndr, const char *name, int flags, const struct {n} *r);")
        h(f"bool idl_init_out_{n}(TALLOC_CTX *mem_ctx, void *r);")
        h(f"enum ndr_err_code idl_thunk_push_{n}(struct ndr_push *ndr, int flags, const void *r);")
        h(f"enum ndr_err_code idl_thunk_pull_{n}(struct ndr_pull *ndr, int flags, void *r);")
        h(f"void idl_thunk_print_{n}(struct ndr_print *ndr, const char *name, int flags, const void *r);")
        w = W()
        # push
        w(f"enum ndr_err_code ndr_push_{n}(struct ndr_push *ndr, int flags, const struct {n} *r)")
        w.open("")
        w("NDR_PUSH_CHECK_FN_FLAGS(ndr, flags);")
        for direction in ("in", "out"):
            params = m.in_params if direction == "in" else m.out_params
            if not params and not (direction == "out" and m.ret is not None):
                continue
            w.open(f"if (flags & NDR_{direction.upper()})")
            self.deref_guards(w, m, direction, "push")
            for p in params:
                self.push_param(w, m, p, direction)
            if direction == "out" and m.ret is not None:
                self.push_scalars(w, m.ret, "r->out.result", Ctx(self.model, None, n + ".result"))
            w.close()
        w("return NDR_ERR_SUCCESS;")
        w.close()
        w()
        # pull
        w(f"enum ndr_err_code ndr_pull_{n}(struct ndr_pull *ndr, int flags, struct {n} *r)")
        w.open("")
        w("NDR_PULL_CHECK_FN_FLAGS(ndr, flags);")
        for direction in ("in", "out"):
            params = m.in_params if direction == "in" else m.out_params
            if not params and not (direction == "out" and m.ret is not None):
                continue
            w.open(f"if (flags & NDR_{direction.upper()})")
            self.deref_guards(w, m, direction, "pull")
            checks = []
            for p in params:
                arrs = param_arrays(p.ty)
                rec = None
                if arrs:
                    rec = (f"_size_{p.name}", f"_len_{p.name}")
                    w(f"int64_t {rec[0]} = -1;")
                    if arrs[0].length is not None:
                        w(f"int64_t {rec[1]} = -1;")
                    checks.append((p, arrs[0], rec))
            for p in params:
                rec = next((x[2] for x in checks if x[0] is p), None)
                self.pull_param(w, m, p, direction, rec)
            if direction == "out" and m.ret is not None:
                self.pull_scalars(w, m.ret, "r->out.result", Ctx(self.model, None, n + ".result"))
            ctx = self.method_ctx(m, direction)
            for p, arr, rec in checks:
                w(f"if ({rec[0]} >= 0 && (uint32_t){rec[0]} != {ctx.expr(arr.size)}) {{")
                w(f"\treturn ndr_pull_error(ndr, NDR_ERR_ARRAY_SIZE, \"{n}.{p.name}: size is not [size_is]\");")
                w("}")
                if arr.length is not None:
                    w(f"if ({rec[1]} >= 0 && (uint32_t){rec[1]} != {ctx.expr(arr.length)}) {{")
                    w(f"\treturn ndr_pull_error(ndr, NDR_ERR_ARRAY_SIZE, \"{n}.{p.name}: length is not [length_is]\");")
                    w("}")
            w.close()
        w("return NDR_ERR_SUCCESS;")
        w.close()
        w()
        # print
        w(f"void ndr_print_{n}(struct ndr_print *ndr, const char *name, int flags, const struct {n} *r)")
        w.open("")
        w(f"ndr_print_struct(ndr, name, \"{n}\");")
        w("if (r == NULL) {")
        w("\tndr_print_null(ndr);")
        w("\treturn;")
        w("}")
        w("ndr->depth++;")
        w("if (flags & NDR_SET_VALUES) {")
        w("\tndr->flags |= LIBNDR_PRINT_SET_VALUES;")
        w("}")
        for direction in ("in", "out"):
            params = m.in_params if direction == "in" else m.out_params
            if not params and not (direction == "out" and m.ret is not None):
                continue
            w.open(f"if (flags & NDR_{direction.upper()})")
            w(f"ndr_print_struct(ndr, \"{direction}\", \"{n}\");")
            w("ndr->depth++;")
            ctx = self.method_ctx(m, direction)
            for p in params:
                self.print_value(w, p.ty, p.name, f"r->{direction}.{p.name}", ctx, secret=p.secret)
            if direction == "out" and m.ret is not None:
                self.print_value(w, m.ret, "result", "r->out.result", ctx)
            w("ndr->depth--;")
            w.close()
        w("ndr->depth--;")
        w.close()
        w()
        # init_out
        w(f"bool idl_init_out_{n}(TALLOC_CTX *mem_ctx, void *_r)")
        w.open("")
        outs = m.out_params
        if outs:
            w(f"struct {n} *r = _r;")
        ictx = self.method_ctx(m, "in")
        for p in outs:
            if p.inp:
                w(f"r->out.{p.name} = r->in.{p.name};")
                continue
            t = p.ty.target
            if isinstance(t, CArrT):
                deps = [x for x in m.params if x.name in {nm for nm, _ in expr_names(t.size)}]
                if any(not x.inp for x in deps):
                    w(f"/* {p.name}: its size depends on [out] values, the implementation allocates it */")
                    continue
                cnt = w.tmp("n")
                for x in deps:
                    if any(d for nm, d in expr_names(t.size) if nm == x.name):
                        w(f"if (r->in.{x.name} == NULL) {{")
                        w("\treturn false;")
                        w("}")
                w(f"uint32_t {cnt} = {ictx.expr(t.size)};")
                w(f"if ({cnt} > IDL_INIT_OUT_MAX_ELEMENTS) {{")
                w("\treturn false;")
                w("}")
                w(f"r->out.{p.name} = talloc_zero_array(mem_ctx, {c_base(t.elem).rstrip()}, {cnt});")
            elif isinstance(t, StrT):
                raise IdlError(p.loc, "[out] string buffers are not supported")
            else:
                w(f"r->out.{p.name} = talloc_zero(mem_ctx, {c_base(t).rstrip()});")
            w(f"if (r->out.{p.name} == NULL) {{")
            w("\treturn false;")
            w("}")
        w("return true;")
        w.close()
        w()
        # thunks for struct ndr_interface_call
        w(f"enum ndr_err_code idl_thunk_push_{n}(struct ndr_push *ndr, int flags, const void *r)")
        w.open("")
        w(f"return ndr_push_{n}(ndr, flags, r);")
        w.close()
        w()
        w(f"enum ndr_err_code idl_thunk_pull_{n}(struct ndr_pull *ndr, int flags, void *r)")
        w.open("")
        w(f"return ndr_pull_{n}(ndr, flags, r);")
        w.close()
        w()
        w(f"void idl_thunk_print_{n}(struct ndr_print *ndr, const char *name, int flags, const void *r)")
        w.open("")
        w(f"ndr_print_{n}(ndr, name, flags, r);")
        w.close()
        w()
        c(w.text())

    # ------------------------------------------------------------ interfaces

    def emit_interface(self, h, c, iface):
        up = iface.name.upper()
        h(f"#define NDR_{up}_NAME \"{iface.name}\"")
        h(f"#define NDR_{up}_UUID \"{iface.uuid}\"")
        h(f"#define NDR_{up}_VERSION {iface.version[0] | (iface.version[1] << 16)}")
        h(f"#define NDR_{up}_CALL_COUNT {iface.num_calls}")
        for m in iface.methods:
            if not m.reserved:
                h(f"#define {m.opnum_const} {m.opnum}")
        h(f"extern const struct ndr_interface_table ndr_table_{iface.name};")
        h(f"extern const struct idl_interface idl_iface_{iface.name};")
        h("")
        w = W()
        w(f"static const struct ndr_interface_call {iface.name}_calls[] = {{")
        for m in iface.all_methods():
            if m.reserved:
                w(f"\t{{ \"{m.name}\", 0, NULL, NULL, NULL, {{ 0, NULL }}, {{ 0, NULL }} }},")
            else:
                n = m.c_name
                w(f"\t{{ \"{n}\", sizeof(struct {n}), idl_thunk_push_{n}, idl_thunk_pull_{n}, "
                  f"idl_thunk_print_{n}, {{ 0, NULL }}, {{ 0, NULL }} }},")
        w("\t{ NULL, 0, NULL, NULL, NULL, { 0, NULL }, { 0, NULL } }")
        w("};")
        w()
        if iface.endpoints:
            w(f"static const char *const {iface.name}_endpoint_strings[] = {{")
            for e in iface.endpoints:
                w(f"\t\"{e}\",")
            w("};")
            w()
            w(f"static const struct ndr_interface_string_array {iface.name}_endpoints = "
              f"{{ {len(iface.endpoints)}, {iface.name}_endpoint_strings }};")
        else:
            w(f"static const struct ndr_interface_string_array {iface.name}_endpoints = {{ 0, NULL }};")
        w()
        w(f"static const char *const {iface.name}_authservice_strings[] = {{ \"host\" }};")
        w()
        w(f"static const struct ndr_interface_string_array {iface.name}_authservices = "
          f"{{ 1, {iface.name}_authservice_strings }};")
        w()
        w(f"const struct ndr_interface_table ndr_table_{iface.name} = {{")
        w(f"\t.name = \"{iface.name}\",")
        w(f"\t.syntax_id = {{ {guid_initializer(iface.uuid)}, NDR_{up}_VERSION }},")
        helpstring = f'"{iface.helpstring}"' if iface.helpstring else "NULL"
        w(f"\t.helpstring = {helpstring},")
        w(f"\t.num_calls = {iface.num_calls},")
        w(f"\t.calls = {iface.name}_calls,")
        w("\t.num_public_structs = 0,")
        w("\t.public_structs = NULL,")
        w(f"\t.endpoints = &{iface.name}_endpoints,")
        w(f"\t.authservices = &{iface.name}_authservices,")
        w("};")
        w()
        w(f"static const idl_init_out_fn {iface.name}_init_out[{iface.num_calls}] = {{")
        for m in iface.all_methods():
            w(f"\t{'NULL' if m.reserved else 'idl_init_out_' + m.c_name},")
        w("};")
        w()
        w(f"static const size_t {iface.name}_result_offset[{iface.num_calls}] = {{")
        for m in iface.all_methods():
            if m.reserved or m.ret is None:
                w("\tIDL_NO_RESULT,")
            else:
                w(f"\toffsetof(struct {m.c_name}, out.result),")
        w("};")
        w()
        w(f"const struct idl_interface idl_iface_{iface.name} = {{")
        w(f"\t.name = \"{iface.name}\",")
        w(f"\t.table = &ndr_table_{iface.name},")
        w(f"\t.base = {('&idl_iface_' + iface.base.name) if iface.base else 'NULL'},")
        w(f"\t.object = {'true' if iface.object else 'false'},")
        w(f"\t.first_opnum = {iface.first_opnum},")
        w(f"\t.init_out = {iface.name}_init_out,")
        w(f"\t.result_offset = {iface.name}_result_offset,")
        w("};")
        w()
        c(w.text())
