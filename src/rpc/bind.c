#include "rpc/bind.h"

#include <errno.h>
#include <string.h>

#include <rpc_common.h>

#include "rpc/server.h"

struct rpc_pctx *rpc_pctx_find(struct rpc_pctx *list, uint16_t id)
{
	for (; list != NULL; list = list->next) {
		if (list->id == id)
			return list;
	}
	return NULL;
}

static bool offers(const struct dcerpc_ctx_list *c, const struct ndr_syntax_id *syntax)
{
	for (unsigned j = 0; j < c->num_transfer_syntaxes; j++) {
		if (ndr_syntax_id_equal(&c->transfer_syntaxes[j], syntax))
			return true;
	}
	return false;
}

/* MS-RPCE 3.3.1.5.6: at most one transfer syntax is accepted per abstract
 * syntax; a second element for an interface already accepted in this PDU is
 * rejected like an unsupported transfer syntax. */
static bool accepted_earlier(const struct dcerpc_bind *b, const struct dcerpc_ack_ctx *acks,
			     unsigned upto, const struct ndr_syntax_id *abstract)
{
	for (unsigned i = 0; i < upto; i++) {
		if (acks[i].result == DCERPC_BIND_ACK_RESULT_ACCEPTANCE &&
		    ndr_syntax_id_equal(&b->ctx_list[i].abstract_syntax, abstract))
			return true;
	}
	return false;
}

int rpc_negotiate_contexts(const struct rpc_negotiation *neg, const struct dcerpc_bind *b,
			   TALLOC_CTX *list_mem, struct rpc_pctx **list, unsigned *count,
			   struct dcerpc_ack_ctx *acks, uint16_t *features, bool *has_features)
{
	struct rpc_pctx *added = NULL, **added_tail = &added;
	unsigned total = *count;
	int ret = 0;

	*features = 0;
	*has_features = false;

	for (unsigned i = 0; i < b->num_contexts; i++) {
		const struct dcerpc_ctx_list *c = &b->ctx_list[i];
		struct dcerpc_ack_ctx *a = &acks[i];
		uint64_t offered = 0;

		if (c->num_transfer_syntaxes == 0) {
			ret = -EPROTO;
			goto fail;
		}
		a->result = DCERPC_BIND_ACK_RESULT_PROVIDER_REJECTION;
		a->reason.value = DCERPC_BIND_ACK_REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED;

		/* MS-RPCE 3.3.1.5.3: only the first transfer syntax marks a
		 * feature negotiation element; the answer's syntax stays zero. */
		if (neg->is_bind &&
		    dcerpc_extract_bind_time_features(c->transfer_syntaxes[0], &offered)) {
			if (*has_features) {
				ret = -EPROTO;
				goto fail;
			}
			*has_features = true;
			*features = (uint16_t)(offered & RPC_SUPPORTED_FEATURES);
			a->result = DCERPC_BIND_ACK_RESULT_NEGOTIATE_ACK;
			a->reason.negotiate = *features;
			continue;
		}

		const struct rpc_interface *iface = neg->find_iface(neg->priv, &c->abstract_syntax);
		if (iface == NULL)
			continue;
		a->reason.value = DCERPC_BIND_ACK_REASON_TRANSFER_SYNTAXES_NOT_SUPPORTED;
		bool ndr = offers(c, &ndr_transfer_syntax_ndr);

		struct rpc_pctx *existing = rpc_pctx_find(*list, c->context_id);
		/* What Windows does: an alter_context that proposes NDR64 again
		 * for a context id in use is a protocol error (fault, close). */
		if (existing != NULL && !neg->is_bind && offers(c, &ndr_transfer_syntax_ndr64)) {
			ret = -EPROTO;
			goto fail;
		}
		if (existing == NULL)
			existing = rpc_pctx_find(added, c->context_id);
		if (existing != NULL) {
			/* A context id is bound to one interface for the life of
			 * the connection (re-proposing it, as auth legs do, is fine). */
			if (existing->iface != iface) {
				ret = -EPROTO;
				goto fail;
			}
			if (ndr) {
				a->result = DCERPC_BIND_ACK_RESULT_ACCEPTANCE;
				a->reason.value = DCERPC_BIND_ACK_REASON_NOT_SPECIFIED;
				a->syntax = existing->transfer;
			}
			continue;
		}
		if (!ndr || accepted_earlier(b, acks, i, &c->abstract_syntax))
			continue;
		if (total >= neg->max_contexts) {
			ret = -ENOSPC;
			goto fail;
		}
		struct rpc_pctx *p = talloc_zero(list_mem, struct rpc_pctx);
		if (p == NULL) {
			ret = -ENOMEM;
			goto fail;
		}
		p->id = c->context_id;
		p->iface = iface;
		p->transfer = ndr_transfer_syntax_ndr;
		*added_tail = p;
		added_tail = &p->next;
		total++;

		a->result = DCERPC_BIND_ACK_RESULT_ACCEPTANCE;
		a->reason.value = DCERPC_BIND_ACK_REASON_NOT_SPECIFIED;
		a->syntax = ndr_transfer_syntax_ndr;
	}

	struct rpc_pctx **tail = list;
	while (*tail != NULL)
		tail = &(*tail)->next;
	*tail = added;
	*count = total;
	return 0;
fail:
	while (added != NULL) {
		struct rpc_pctx *next = added->next;
		talloc_free(added);
		added = next;
	}
	return ret;
}
