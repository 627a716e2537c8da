#include "auth/spnego_der.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <libtasn1.h>

#include "istmd/log.h"

extern const asn1_static_node spnego_asn1_tab[]; /* generated from spnego.asn */

static asn1_node definitions;
static pthread_once_t definitions_once = PTHREAD_ONCE_INIT;

static void load_definitions(void)
{
	char err[ASN1_MAX_ERROR_DESCRIPTION_SIZE] = "";
	if (asn1_array2tree(spnego_asn1_tab, &definitions, err) != ASN1_SUCCESS) {
		log_err("SPNEGO: cannot load ASN.1 definitions: %s", err);
		definitions = NULL;
	}
}

/* A libtasn1 structure freed with its talloc owner. */
struct asn1_holder {
	asn1_node node;
};

static int holder_destructor(struct asn1_holder *h)
{
	asn1_delete_structure(&h->node);
	return 0;
}

static struct asn1_holder *new_element(TALLOC_CTX *mem_ctx, const char *type)
{
	pthread_once(&definitions_once, load_definitions);
	if (definitions == NULL)
		return NULL;
	struct asn1_holder *h = talloc_zero(mem_ctx, struct asn1_holder);
	if (h == NULL)
		return NULL;
	talloc_set_destructor(h, holder_destructor);
	if (asn1_create_element(definitions, type, &h->node) != ASN1_SUCCESS) {
		talloc_free(h);
		return NULL;
	}
	return h;
}

/* Reads an optional OCTET STRING or OID: 0 (present), -ENOENT, -EINVAL. */
static int read_value(TALLOC_CTX *mem_ctx, asn1_node node, const char *name, DATA_BLOB *out,
		      bool string)
{
	int len = 0;
	int ret = asn1_read_value(node, name, NULL, &len);
	if (ret == ASN1_ELEMENT_NOT_FOUND || ret == ASN1_VALUE_NOT_FOUND)
		return -ENOENT;
	if ((ret != ASN1_MEM_ERROR && ret != ASN1_SUCCESS) || len < 0 || len > SPNEGO_MAX_TOKEN)
		return -EINVAL;
	*out = data_blob_talloc_zero(mem_ctx, (size_t)len + (string ? 1 : 0));
	if (out->data == NULL)
		return -ENOMEM;
	if (len > 0 && asn1_read_value(node, name, out->data, &len) != ASN1_SUCCESS)
		return -EINVAL;
	out->length = (size_t)len;
	return 0;
}

static int read_oid(TALLOC_CTX *mem_ctx, asn1_node node, const char *name, char **oid)
{
	DATA_BLOB b;
	int ret = read_value(mem_ctx, node, name, &b, true);
	if (ret == 0)
		*oid = (char *)b.data;
	return ret;
}

/* Skips the identifier and length octets of the DER value at DER[0..LEN). */
static int skip_header(const uint8_t *der, size_t len, size_t *hdr)
{
	if (len < 2)
		return -EINVAL;
	size_t n = 2;
	if (der[1] & 0x80)
		n += der[1] & 0x7f; /* long form: lengths already checked by the decoder */
	if (n > len)
		return -EINVAL;
	*hdr = n;
	return 0;
}

static int decode_init(TALLOC_CTX *mem_ctx, asn1_node node, const char *prefix,
		       const DATA_BLOB *in, struct spnego_token *out)
{
	char name[128];
	int count = 0;
	snprintf(name, sizeof(name), "%s.mechTypes", prefix);
	if (asn1_number_of_elements(node, name, &count) != ASN1_SUCCESS || count < 1 ||
	    count > SPNEGO_MAX_MECHS)
		return -EINVAL;
	out->mech_types = talloc_zero_array(mem_ctx, char *, (size_t)count + 1);
	if (out->mech_types == NULL)
		return -ENOMEM;
	for (int i = 0; i < count; i++) {
		snprintf(name, sizeof(name), "%s.mechTypes.?%d", prefix, i + 1);
		if (read_oid(out->mech_types, node, name, &out->mech_types[i]) < 0)
			return -EINVAL;
	}
	out->n_mech_types = (size_t)count;

	/* The mechListMIC covers the MechTypeList as sent, without the [0] tag. */
	int start, end;
	size_t hdr;
	snprintf(name, sizeof(name), "%s.mechTypes", prefix);
	if (asn1_der_decoding_startEnd(node, in->data, (int)in->length, name, &start, &end) !=
		    ASN1_SUCCESS ||
	    start < 0 || end < start || (size_t)end >= in->length ||
	    skip_header(in->data + start, (size_t)(end - start + 1), &hdr) < 0)
		return -EINVAL;
	out->mech_types_der = data_blob_talloc(mem_ctx, in->data + start + hdr,
					       (size_t)(end - start + 1) - hdr);
	if (out->mech_types_der.data == NULL)
		return -ENOMEM;

	snprintf(name, sizeof(name), "%s.mechToken", prefix);
	int ret = read_value(mem_ctx, node, name, &out->mech_token, false);
	if (ret < 0 && ret != -ENOENT)
		return ret;
	snprintf(name, sizeof(name), "%s.mechListMIC", prefix);
	ret = read_value(mem_ctx, node, name, &out->mech_list_mic, false);
	return ret == -ENOENT ? 0 : ret;
}

static int decode_resp(TALLOC_CTX *mem_ctx, asn1_node node, struct spnego_token *out)
{
	uint8_t state[4];
	int len = sizeof(state);
	int ret = asn1_read_value(node, "negTokenResp.negState", state, &len);
	if (ret == ASN1_SUCCESS) {
		if (len != 1 || state[0] > SPNEGO_REQUEST_MIC)
			return -EINVAL;
		out->neg_state = (enum spnego_neg_state)state[0];
	} else if (ret == ASN1_ELEMENT_NOT_FOUND || ret == ASN1_VALUE_NOT_FOUND) {
		out->neg_state = SPNEGO_NO_STATE;
	} else {
		return -EINVAL;
	}
	ret = read_oid(mem_ctx, node, "negTokenResp.supportedMech", &out->supported_mech);
	if (ret < 0 && ret != -ENOENT)
		return ret;
	ret = read_value(mem_ctx, node, "negTokenResp.responseToken", &out->mech_token, false);
	if (ret < 0 && ret != -ENOENT)
		return ret;
	ret = read_value(mem_ctx, node, "negTokenResp.mechListMIC", &out->mech_list_mic, false);
	return ret == -ENOENT ? 0 : ret;
}

static int encode(TALLOC_CTX *mem_ctx, struct asn1_holder *h, const char *name, DATA_BLOB *out)
{
	char err[ASN1_MAX_ERROR_DESCRIPTION_SIZE] = "";
	int len = 0;
	int ret = asn1_der_coding(h->node, name, NULL, &len, err);
	if (ret != ASN1_MEM_ERROR || len <= 0 || len > SPNEGO_MAX_TOKEN)
		return -EINVAL;
	*out = data_blob_talloc(mem_ctx, NULL, (size_t)len);
	if (out->data == NULL)
		return -ENOMEM;
	if (asn1_der_coding(h->node, name, out->data, &len, err) != ASN1_SUCCESS) {
		data_blob_free(out);
		return -EINVAL;
	}
	out->length = (size_t)len;
	return 0;
}

int spnego_decode(TALLOC_CTX *mem_ctx, const DATA_BLOB *in, struct spnego_token *out)
{
	*out = (struct spnego_token){ .neg_state = SPNEGO_NO_STATE };
	if (in == NULL || in->length < 2 || in->length > SPNEGO_MAX_TOKEN)
		return -EINVAL;
	bool framed = in->data[0] == 0x60; /* [APPLICATION 0] */
	struct asn1_holder *h =
		new_element(mem_ctx, framed ? "SPNEGO.InitialContextToken" : "SPNEGO.NegotiationToken");
	if (h == NULL)
		return -ENOMEM;
	char err[ASN1_MAX_ERROR_DESCRIPTION_SIZE] = "";
	int used = (int)in->length;
	int ret = -EINVAL;
	if (asn1_der_decoding2(&h->node, in->data, &used, ASN1_DECODE_FLAG_STRICT_DER, err) !=
		    ASN1_SUCCESS ||
	    used != (int)in->length)
		goto out;
	/* libtasn1 tolerates some non-minimal lengths of explicit tags; DER has
	 * exactly one encoding per value, so re-encoding must give the input back. */
	DATA_BLOB again;
	if (encode(h, h, "", &again) < 0 || again.length != in->length ||
	    memcmp(again.data, in->data, in->length) != 0)
		goto out;
	const char *prefix = framed ? "innerToken" : "";
	char choice[32];
	int len = sizeof(choice) - 1;
	if (framed) {
		char *mech = NULL;
		if (read_oid(h, h->node, "thisMech", &mech) < 0 || strcmp(mech, SPNEGO_OID) != 0)
			goto out;
	}
	if (asn1_read_value(h->node, prefix, choice, &len) != ASN1_SUCCESS || len < 0)
		goto out;
	choice[len] = '\0';
	if (strcmp(choice, "negTokenInit") == 0) {
		char name[64];
		snprintf(name, sizeof(name), "%s%snegTokenInit", prefix, framed ? "." : "");
		out->is_init = true;
		ret = decode_init(mem_ctx, h->node, name, in, out);
	} else if (strcmp(choice, "negTokenResp") == 0 && !framed) {
		ret = decode_resp(mem_ctx, h->node, out);
	}
out:
	talloc_free(h);
	return ret < 0 ? (ret == -ENOMEM ? ret : -EINVAL) : 0;
}

static bool put(asn1_node node, const char *name, const void *value, size_t len)
{
	return asn1_write_value(node, name, value, (int)len) == ASN1_SUCCESS;
}

static bool put_blob(asn1_node node, const char *name, const DATA_BLOB *b)
{
	if (b == NULL || b->length == 0)
		return put(node, name, NULL, 0); /* leave the OPTIONAL field out */
	return put(node, name, b->data, b->length);
}

int spnego_encode_init(TALLOC_CTX *mem_ctx, const char *const *mechs, size_t n_mechs,
		       const DATA_BLOB *mech_token, DATA_BLOB *out, DATA_BLOB *mech_types_der)
{
	if (n_mechs == 0 || n_mechs > SPNEGO_MAX_MECHS)
		return -EINVAL;
	struct asn1_holder *h = new_element(mem_ctx, "SPNEGO.InitialContextToken");
	if (h == NULL)
		return -ENOMEM;
	int ret = -EINVAL;
	bool ok = put(h->node, "thisMech", SPNEGO_OID, 1) &&
		  put(h->node, "innerToken", "negTokenInit", 1);
	for (size_t i = 0; ok && i < n_mechs; i++)
		ok = put(h->node, "innerToken.negTokenInit.mechTypes", "NEW", 1) &&
		     put(h->node, "innerToken.negTokenInit.mechTypes.?LAST", mechs[i], 1);
	if (ok && put(h->node, "innerToken.negTokenInit.reqFlags", NULL, 0) &&
	    put_blob(h->node, "innerToken.negTokenInit.mechToken", mech_token) &&
	    put(h->node, "innerToken.negTokenInit.mechListMIC", NULL, 0))
		ret = encode(mem_ctx, h, "", out);
	if (ret == 0) {
		ret = encode(mem_ctx, h, "innerToken.negTokenInit.mechTypes", mech_types_der);
		if (ret == 0) {
			/* That is the [0]-tagged field; the MIC covers the list inside it. */
			size_t hdr;
			ret = skip_header(mech_types_der->data, mech_types_der->length, &hdr);
			if (ret == 0) {
				memmove(mech_types_der->data, mech_types_der->data + hdr,
					mech_types_der->length - hdr);
				mech_types_der->length -= hdr;
			}
		}
		if (ret < 0)
			data_blob_free(out);
	}
	talloc_free(h);
	return ret;
}

static const char *const state_names[] = { "accept-completed", "accept-incomplete", "reject",
					   "request-mic" };

int spnego_encode_resp(TALLOC_CTX *mem_ctx, enum spnego_neg_state neg_state,
		       const char *supported_mech, const DATA_BLOB *token, const DATA_BLOB *mic,
		       DATA_BLOB *out)
{
	struct asn1_holder *h = new_element(mem_ctx, "SPNEGO.NegotiationToken");
	if (h == NULL)
		return -ENOMEM;
	int ret = -EINVAL;
	bool ok = put(h->node, "", "negTokenResp", 1);
	if (ok && neg_state != SPNEGO_NO_STATE)
		ok = put(h->node, "negTokenResp.negState", state_names[neg_state], 0);
	else if (ok)
		ok = put(h->node, "negTokenResp.negState", NULL, 0);
	if (ok)
		ok = supported_mech != NULL ? put(h->node, "negTokenResp.supportedMech", supported_mech, 1)
					    : put(h->node, "negTokenResp.supportedMech", NULL, 0);
	if (ok && put_blob(h->node, "negTokenResp.responseToken", token) &&
	    put_blob(h->node, "negTokenResp.mechListMIC", mic))
		ret = encode(mem_ctx, h, "", out);
	talloc_free(h);
	return ret;
}
