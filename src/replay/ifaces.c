/* The interfaces istmd-replay can decode: every interface idlc generated
 * (idl_interfaces_<file>[]), looked up by the syntax id a bind names. */
#include <string.h>

#include "ndr/idl_interface.h"
#include "idl/ndr_ms_dcom.h"
#include "idl/ndr_ms_istm.h"
#include "idl/ndr_ms_rpce.h"
#include "idl/ndr_ms_oaut.h"
#include "idl/ndr_ms_vds.h"
#include "idl/ndr_ms_dtyp.h"
#include "idl/ndr_istmd_ext.h"
#include "replay/model.h"

static const struct idl_interface *const *const all_files[] = {
	idl_interfaces_ms_dcom, idl_interfaces_ms_istm, idl_interfaces_ms_rpce,
	idl_interfaces_ms_oaut, idl_interfaces_ms_vds,  idl_interfaces_ms_dtyp,
	idl_interfaces_istmd_ext, /* istmd's own (snapshot schedules) */
};

const struct idl_interface *rp_iface_find(const struct ndr_syntax_id *id)
{
	for (size_t f = 0; f < sizeof(all_files) / sizeof(all_files[0]); f++) {
		for (const struct idl_interface *const *i = all_files[f]; *i != NULL; i++) {
			const struct ndr_syntax_id *s = &(*i)->table->syntax_id;
			if (GUID_equal(&s->uuid, &id->uuid) &&
			    (s->if_version & 0xffff) == (id->if_version & 0xffff))
				return *i;
		}
	}
	return NULL;
}

const char *rp_call_name(TALLOC_CTX *mem_ctx, const struct rp_call *call)
{
	const struct idl_interface *i = rp_iface_find(&call->iface);
	if (i == NULL || call->opnum >= i->table->num_calls) {
		struct GUID_txt_buf buf;
		return talloc_asprintf(mem_ctx, "{%s} v%u opnum %u", GUID_buf_string(&call->iface.uuid, &buf),
				       call->iface.if_version & 0xffff, call->opnum);
	}
	return talloc_strdup(mem_ctx, i->table->calls[call->opnum].name);
}

bool rp_iface_on_resolver_port(const struct ndr_syntax_id *id)
{
	static const struct ndr_interface_table *const t[] = {
		&ndr_table_ept, &ndr_table_IRemoteSCMActivator, &ndr_table_IActivation,
		&ndr_table_IObjectExporter,
	};
	for (size_t k = 0; k < sizeof(t) / sizeof(t[0]); k++)
		if (GUID_equal(&t[k]->syntax_id.uuid, &id->uuid))
			return true;
	return false;
}
