/* The session log (session_log.h). The format is read by src/replay/sessionlog.c:
 *
 *   # istmd session log 1
 *   conn N SERVER_ADDR SERVER_PORT CLIENT_PORT AUTH_TYPE AUTH_LEVEL USER IFACE/VERSION
 *   req N CALL_ID IFACE/VERSION OPNUM OBJECT|- HEX
 *   resp N CALL_ID HEX
 *   fault N CALL_ID STATUS
 *
 * Lines are appended with one write() each (O_APPEND): small writes to a
 * local file, as the log itself does; it is a recording aid an
 * administrator turns on for a session, off by default. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "istmd/log.h"
#include "istmd/utf16.h"
#include "rpc/internal.h"
#include "rpc/session_log.h"

#define SESSION_LOG_MAGIC "# istmd session log 1\n"

struct rpc_session_log {
	int fd;
	char *path;
	bool failed;
};

static int log_destructor(struct rpc_session_log *l)
{
	if (l->fd >= 0)
		close(l->fd);
	return 0;
}

int rpc_session_log_open(TALLOC_CTX *mem_ctx, const char *path, struct rpc_session_log **out,
			 char **err)
{
	struct rpc_session_log *l = talloc_zero(mem_ctx, struct rpc_session_log);
	if (l == NULL)
		return -ENOMEM;
	l->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (l->fd < 0) {
		int e = errno;
		*err = talloc_asprintf(mem_ctx, "[rpc] session_log: cannot open %s: %s", path,
				       strerror(e));
		talloc_free(l);
		return -e;
	}
	talloc_set_destructor(l, log_destructor);
	l->path = talloc_strdup(l, path);
	off_t end = lseek(l->fd, 0, SEEK_END);
	if (end == 0 && write(l->fd, SESSION_LOG_MAGIC, strlen(SESSION_LOG_MAGIC)) < 0)
		log_warn("session log %s: %s", path, strerror(errno));
	/* loudly: the log holds every request and answer (secrets redacted) */
	log_warn("[rpc] session_log is on: every call's requests and responses are written to "
		 "%s (CHAP secrets and passwords redacted); turn it off when the recording is done",
		 path);
	*out = l;
	return 0;
}

static void put_line(struct rpc_session_log *l, char *line)
{
	if (line == NULL || l->failed)
		return;
	size_t n = strlen(line), done = 0;
	while (done < n) {
		ssize_t w = write(l->fd, line + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			log_err("session log %s: %s; no more calls are recorded", l->path,
				strerror(errno));
			l->failed = true;
			break;
		}
		done += (size_t)w;
	}
	talloc_free(line);
}

static char *hex_append(char *s, const uint8_t *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	if (s == NULL)
		return NULL;
	if (len == 0)
		return talloc_strdup_append(s, "-");
	size_t old = strlen(s);
	s = talloc_realloc(NULL, s, char, old + 2 * len + 1);
	if (s == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		s[old + 2 * i] = digits[data[i] >> 4];
		s[old + 2 * i + 1] = digits[data[i] & 15];
	}
	s[old + 2 * len] = 0;
	return s;
}

/* ---- redaction ------------------------------------------------------------ */

struct plines {
	TALLOC_CTX *mem;
	char **text;
	unsigned *depth;
	size_t n;
};

static void pcollect(struct ndr_print *ndr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void pcollect(struct ndr_print *ndr, const char *fmt, ...)
{
	struct plines *p = ndr->private_data;
	va_list ap;
	if (ndr->no_newline)
		return;
	char **t = talloc_realloc(p->mem, p->text, char *, p->n + 1);
	unsigned *d = talloc_realloc(p->mem, p->depth, unsigned, p->n + 1);
	if (t == NULL || d == NULL)
		return;
	p->text = t;
	p->depth = d;
	va_start(ap, fmt);
	t[p->n] = talloc_vasprintf(p->mem, fmt, ap);
	va_end(ap);
	d[p->n] = ndr->depth;
	if (t[p->n] != NULL)
		p->n++;
}

static size_t overwrite(uint8_t *stub, size_t len, const uint8_t *pat, size_t plen, size_t unit)
{
	size_t count = 0;
	if (plen < unit)
		return 0;
	for (size_t off = 0; off + plen <= len; off++) {
		if (memcmp(stub + off, pat, plen) != 0)
			continue;
		for (size_t k = 0; k < plen; k += unit)
			stub[off + k] = 'X';
		count++;
		off += plen - 1;
	}
	return count;
}

/* The value of a hidden field, from the lines print_secrets shows: a
 * quoted string, or a byte array's "[k] : 0xNN (n)" elements. */
static size_t redact_value(TALLOC_CTX *mem, struct plines *full, size_t at, size_t end,
			   uint8_t *stub, size_t len)
{
	size_t count = 0;
	uint8_t *bytes = talloc_size(mem, end - at + 1);
	size_t nbytes = 0;
	for (size_t i = at; i < end; i++) {
		const char *v = strstr(full->text[i], ": ");
		if (v == NULL)
			continue;
		v += 2;
		while (*v == ' ')
			v++;
		size_t vl = strlen(v);
		unsigned b;
		if (vl >= 2 && v[0] == '\'' && v[vl - 1] == '\'') {
			char *s = talloc_strndup(mem, v + 1, vl - 2);
			size_t units = 0;
			uint16_t *w = s ? utf8_to_utf16(mem, s, &units) : NULL;
			if (s != NULL && s[0] != 0) {
				count += overwrite(stub, len, (const uint8_t *)s, strlen(s), 1);
				if (w != NULL)
					count += overwrite(stub, len, (const uint8_t *)w, units * 2, 2);
			}
		} else if (bytes != NULL && sscanf(v, "0x%2x (", &b) == 1 && strlen(v) <= 12) {
			bytes[nbytes++] = (uint8_t)b;
		}
	}
	if (nbytes >= 4)
		count += overwrite(stub, len, bytes, nbytes, 1);
	return count;
}

size_t rpc_session_log_redact(const struct ndr_interface_call *ic, int flags, const void *r,
			      uint8_t *stub, size_t len)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct plines hidden = { .mem = tmp }, full = { .mem = tmp };
	struct ndr_print ph = { .print = pcollect, .private_data = &hidden };
	struct ndr_print pf = { .print = pcollect, .private_data = &full, .print_secrets = true };
	size_t count = 0;
	if (tmp == NULL || ic->ndr_print == NULL)
		goto out;
	ic->ndr_print(&ph, ic->name, flags, r);
	bool any = false;
	for (size_t i = 0; i < hidden.n && !any; i++)
		any = strstr(hidden.text[i], ": <secret>") != NULL;
	if (!any)
		goto out;
	ic->ndr_print(&pf, ic->name, flags, r);
	/* walk both: equal lines match; a hidden line stands for the full
	 * side's line of the same name and everything below it */
	size_t i = 0, j = 0;
	while (i < hidden.n && j < full.n) {
		if (strcmp(hidden.text[i], full.text[j]) == 0) {
			i++;
			j++;
			continue;
		}
		if (strstr(hidden.text[i], ": <secret>") == NULL) {
			i++;
			j++;
			continue;
		}
		size_t end = j + 1;
		while (end < full.n && full.depth[end] > full.depth[j])
			end++;
		count += redact_value(tmp, &full, j, end, stub, len);
		i++;
		j = end;
	}
out:
	talloc_free(tmp);
	return count;
}

/* ---- lines ------------------------------------------------------------------ */

static const char *syntax_text(TALLOC_CTX *mem, const struct ndr_syntax_id *id)
{
	struct GUID_txt_buf b;
	return talloc_asprintf(mem, "%s/%u", GUID_buf_string(&id->uuid, &b), id->if_version);
}

void rpc_session_log_request(struct rpc_session_log *l, struct rpc_call *call)
{
	struct rpc_conn *conn = call->conn;
	const struct ndr_interface_table *table = call->pctx->iface->idl->table;
	TALLOC_CTX *tmp = talloc_new(NULL);
	if (tmp == NULL)
		return;
	if (!conn->session_logged) {
		conn->session_logged = true;
		const char *user = rpc_sec_user(call->sec);
		put_line(l, talloc_asprintf(NULL, "conn %llu %s %u %u %u %u %s %s\n",
					    (unsigned long long)conn->serial, conn->local_addr,
					    conn->local_port, conn->remote_port, call->auth_type,
					    call->auth_level, user && user[0] ? user : "-",
					    syntax_text(tmp, &table->syntax_id)));
	}
	DATA_BLOB stub = data_blob_talloc(tmp, call->stub.data, call->stub.length);
	if (stub.length > 0 && stub.data == NULL)
		goto out;
	rpc_session_log_redact(&table->calls[call->opnum], NDR_IN, call->r, stub.data, stub.length);
	struct GUID_txt_buf b;
	char *line = talloc_asprintf(NULL, "req %llu %u %s %u %s ", (unsigned long long)conn->serial,
				     call->call_id, syntax_text(tmp, &table->syntax_id), call->opnum,
				     call->has_object ? GUID_buf_string(&call->object, &b) : "-");
	line = hex_append(line, stub.data, stub.length);
	if (line != NULL)
		line = talloc_strdup_append(line, "\n");
	put_line(l, line);
	call->session_logged = true;
out:
	talloc_free(tmp);
}

void rpc_session_log_response(struct rpc_session_log *l, struct rpc_call *call,
			      const uint8_t *stub, size_t len)
{
	if (!call->session_logged)
		return;
	const struct ndr_interface_table *table = call->pctx->iface->idl->table;
	uint8_t *copy = len ? talloc_memdup(NULL, stub, len) : NULL;
	if (len > 0 && copy == NULL)
		return;
	rpc_session_log_redact(&table->calls[call->opnum], NDR_OUT, call->r, copy, len);
	char *line = talloc_asprintf(NULL, "resp %llu %u ", (unsigned long long)call->conn->serial,
				     call->call_id);
	line = hex_append(line, copy, len);
	if (line != NULL)
		line = talloc_strdup_append(line, "\n");
	put_line(l, line);
	talloc_free(copy);
	call->session_logged = false;
}

void rpc_session_log_fault(struct rpc_session_log *l, struct rpc_call *call, uint32_t status)
{
	if (!call->session_logged)
		return;
	put_line(l, talloc_asprintf(NULL, "fault %llu %u 0x%08x\n",
				    (unsigned long long)call->conn->serial, call->call_id, status));
	call->session_logged = false;
}
