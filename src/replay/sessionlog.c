/* Reading istmd's session log ([rpc] session_log, src/rpc/session_log.c):
 * the plaintext calls of every connection, one line each, in the order the
 * server received the requests. Format (docs/replay.md "Session logs"):
 *
 *   # istmd session log 1
 *   conn N SERVER_ADDR SERVER_PORT CLIENT_PORT AUTH_TYPE AUTH_LEVEL USER IFACE_UUID/VERSION
 *   req N CALL_ID IFACE_UUID/VERSION OPNUM OBJECT|- HEX
 *   resp N CALL_ID HEX
 *   fault N CALL_ID STATUS
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay/model.h"
#include "replay/rules.h"
#include "replay/sessionlog.h"

bool rp_sessionlog_is(const uint8_t *data, size_t len)
{
	size_t n = strlen(RP_SESSIONLOG_MAGIC);
	return len >= n && memcmp(data, RP_SESSIONLOG_MAGIC, n) == 0;
}

static int unhex(TALLOC_CTX *mem, const char *s, DATA_BLOB *out)
{
	size_t n = strlen(s);
	if (strcmp(s, "-") == 0) {
		*out = data_blob_null;
		return 0;
	}
	if (n % 2 != 0)
		return -1;
	*out = data_blob_talloc(mem, NULL, n / 2);
	if (n > 0 && out->data == NULL)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		int hi, lo;
		char a = s[2 * i], b = s[2 * i + 1];
		hi = a >= '0' && a <= '9' ? a - '0' : a >= 'a' && a <= 'f' ? a - 'a' + 10 : -1;
		lo = b >= '0' && b <= '9' ? b - '0' : b >= 'a' && b <= 'f' ? b - 'a' + 10 : -1;
		if (hi < 0 || lo < 0)
			return -1;
		out->data[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static int syntax(const char *s, struct ndr_syntax_id *id)
{
	char uuid[40];
	unsigned ver;
	if (sscanf(s, "%36[0-9a-fA-F-]/%u", uuid, &ver) != 2)
		return -1;
	if (!NT_STATUS_IS_OK(GUID_from_string(uuid, &id->uuid)))
		return -1;
	id->if_version = ver;
	return 0;
}

static struct rp_call *find_call(struct rp_model *m, unsigned conn, uint32_t call_id)
{
	for (size_t i = m->num_calls; i-- > 0;)
		if (m->calls[i].conn == conn && m->calls[i].call_id == call_id && !m->calls[i].answered)
			return &m->calls[i];
	return NULL;
}

static int conn_slot(struct rp_model *m, unsigned index, unsigned *slot)
{
	for (size_t i = 0; i < m->num_conns; i++) {
		if (m->conns[i].index == index) {
			*slot = (unsigned)i;
			return 0;
		}
	}
	return -1;
}

int rp_sessionlog_read(TALLOC_CTX *mem_ctx, const char *text, size_t len, struct rp_model **out,
		       const char **why)
{
	struct rp_model *m = talloc_zero(mem_ctx, struct rp_model);
	char *copy = talloc_strndup(m, text, len);
	unsigned lineno = 0;
	if (m == NULL || copy == NULL) {
		*why = "out of memory";
		talloc_free(m);
		return -ENOMEM;
	}
	if (strlen(copy) != len) {
		*why = "a NUL byte in the session log";
		goto bad_nolines;
	}
	for (char *save = NULL, *line = strtok_r(copy, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		char f[9][1024];
		char *rest = NULL;
		if (line[0] == '#' || line[0] == 0)
			continue;
		/* the hex stub can be long: split off the last field by hand */
		char *last = strrchr(line, ' ');
		if (last == NULL)
			goto bad;
		rest = last + 1;
		*last = 0;
		int n = sscanf(line, "%1023s %1023s %1023s %1023s %1023s %1023s %1023s %1023s %1023s",
			       f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8]);
		unsigned slot;
		if (n >= 1 && strcmp(f[0], "conn") == 0 && n == 8) {
			struct rp_conn *c = rp_model_add_conn(m);
			if (c == NULL)
				goto nomem;
			c->index = (unsigned)strtoul(f[1], NULL, 10);
			snprintf(c->server, sizeof(c->server), "%.47s", f[2]);
			c->server_port = (uint16_t)strtoul(f[3], NULL, 10);
			c->client_port = (uint16_t)strtoul(f[4], NULL, 10);
			c->auth_type = (uint8_t)strtoul(f[5], NULL, 10);
			c->auth_level = (uint8_t)strtoul(f[6], NULL, 10);
			snprintf(c->user, sizeof(c->user), "%.63s", strcmp(f[7], "-") == 0 ? "" : f[7]);
			if (syntax(rest, &c->first_iface) != 0)
				goto bad;
			c->to_resolver = rp_iface_on_resolver_port(&c->first_iface);
		} else if (n >= 1 && strcmp(f[0], "req") == 0 && n == 6) {
			if (conn_slot(m, (unsigned)strtoul(f[1], NULL, 10), &slot) != 0)
				goto bad;
			struct rp_call *k = rp_model_add_call(m);
			if (k == NULL)
				goto nomem;
			k->conn = slot;
			k->call_id = (uint32_t)strtoul(f[2], NULL, 10);
			if (syntax(f[3], &k->iface) != 0)
				goto bad;
			k->opnum = (uint16_t)strtoul(f[4], NULL, 10);
			if (strcmp(f[5], "-") != 0) {
				k->has_object = true;
				if (!NT_STATUS_IS_OK(GUID_from_string(f[5], &k->object)))
					goto bad;
			}
			if (unhex(m, rest, &k->request) != 0)
				goto bad;
		} else if (n >= 1 && (strcmp(f[0], "resp") == 0 || strcmp(f[0], "fault") == 0) &&
			   n == 3) {
			if (conn_slot(m, (unsigned)strtoul(f[1], NULL, 10), &slot) != 0)
				goto bad;
			struct rp_call *k = find_call(m, slot, (uint32_t)strtoul(f[2], NULL, 10));
			if (k == NULL)
				goto bad;
			k->answered = true;
			if (f[0][0] == 'f') {
				k->fault = true;
				k->fault_status = (uint32_t)strtoul(rest, NULL, 0);
			} else if (unhex(m, rest, &k->response) != 0) {
				goto bad;
			}
		} else {
			goto bad;
		}
	}
	talloc_free(copy);
	*out = m;
	return 0;
bad:
	*why = talloc_asprintf(mem_ctx, "session log line %u is malformed", lineno);
	talloc_free(m);
	return -EINVAL;
bad_nolines:
	talloc_free(m);
	return -EINVAL;
nomem:
	*why = "out of memory";
	talloc_free(m);
	return -ENOMEM;
}
