/* A test "console" for ImportWTDisk (MS-ISTM 3.46.4.9): a separate process
 * exporting IWTDisk objects through its own OXID resolver on a loopback
 * address, built on istmd's own RPC server and DCOM runtime; each object
 * answers get_DevicePath with the path it was made with.
 *
 *   import_console --listen ADDR --epm-port N --object-port N --users FILE
 *
 * Commands on standard input, one per line, answered on standard output:
 *   new PATH   -> "objref HEX" (an IWTDisk OBJREF, resolver = ADDR[N])
 *   snapshot ID WTD FILETIME -> "objref HEX" (an ISnapshot OBJREF whose
 *                 Id, OrigWTD and TimeStamp answer these, for ImportSnapshot)
 *   calls      -> "calls N" (get_DevicePath and ISnapshot get_* calls received)
 * SIGTERM or end of input: exit 0. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <talloc.h>
#include <tevent.h>

#include "auth/auth.h"
#include "dcom/exporter.h"
#include "dcom/internal.h"
#include "dcom/objref.h"
#include "idl/ndr_ms_istm.h"
#include "istmd/config.h"
#include "istmd/hresult.h"
#include "rpc/epm.h"
#include "rpc/server.h"

struct console {
	struct tevent_context *ev;
	struct dcom_exporter *ex;
	const char *listen;
	unsigned calls;
	char line[4096];
	size_t len;
	bool quit;
};

struct disk {
	struct console *c;
	char *path;
};

static void get_device_path(struct dcom_call *call, void *object, void *rv)
{
	struct disk *d = object;
	struct IWTDisk_get_DevicePath *r = rv;
	d->c->calls++;
	*r->out.pDevicePath = talloc_strdup(r, d->path);
	dcom_call_done(call, *r->out.pDevicePath ? S_OK : E_OUTOFMEMORY);
}

static const dcom_method_fn disk_methods[] = {
	[NDR_IWTDISK_GET_DEVICEPATH] = get_device_path,
};
static const struct dcom_chain disk_chains[] = { DCOM_CHAIN(IWTDisk, disk_methods) };
static const struct dcom_class disk_class = {
	.name = "TestWTDisk",
	.chains = disk_chains,
	.num_chains = 1,
};

/* ---- ISnapshot objects (ImportSnapshot, MS-ISTM 3.38.4.7) ---- */
struct snap {
	struct console *c;
	struct GUID id;
	uint32_t wtd;
	int64_t timestamp;
};

static void snap_get_id(struct dcom_call *call, void *object, void *rv)
{
	struct snap *s = object;
	struct ISnapshot_get_Id *r = rv;
	s->c->calls++;
	*r->out.pId = s->id;
	dcom_call_done(call, S_OK);
}

static void snap_get_orig_wtd(struct dcom_call *call, void *object, void *rv)
{
	struct snap *s = object;
	struct ISnapshot_get_OrigWTD *r = rv;
	s->c->calls++;
	*r->out.pWTD = s->wtd;
	dcom_call_done(call, S_OK);
}

static void snap_get_time_stamp(struct dcom_call *call, void *object, void *rv)
{
	struct snap *s = object;
	struct ISnapshot_get_TimeStamp *r = rv;
	s->c->calls++;
	*r->out.pTimeStamp = s->timestamp;
	dcom_call_done(call, S_OK);
}

static const dcom_method_fn snap_methods[] = {
	[NDR_ISNAPSHOT_GET_ID] = snap_get_id,
	[NDR_ISNAPSHOT_GET_ORIGWTD] = snap_get_orig_wtd,
	[NDR_ISNAPSHOT_GET_TIMESTAMP] = snap_get_time_stamp,
};
static const struct dcom_chain snap_chains[] = { DCOM_CHAIN(ISnapshot, snap_methods) };
static const struct dcom_class snap_class = {
	.name = "TestSnapshot",
	.chains = snap_chains,
	.num_chains = 1,
};

static int export_print(struct console *c, TALLOC_CTX *tmp, struct dcom_object *obj,
			const struct idl_interface *iface)
{
	struct dcom_peer *peer = dcom_peer_get(c->ex, NULL, "console");
	struct STDOBJREF std;
	struct MInterfacePointer *mip = NULL;
	if (obj == NULL || peer == NULL || dcom_export(obj, iface, 5, peer, &std) == NULL ||
	    dcom_objref_standard(tmp, c->ex, &iface->table->syntax_id.uuid, &std, c->listen,
				 &mip) != 0)
		return -ENOMEM;
	printf("objref ");
	for (uint32_t i = 0; i < mip->ulCntData; i++)
		printf("%02x", mip->abData[i]);
	printf("\n");
	return 0;
}

static int cmd_snapshot(struct console *c, const char *args)
{
	char id[64];
	unsigned long wtd = 0;
	long long ts = 0;
	if (sscanf(args, "%63s %lu %lld", id, &wtd, &ts) != 3)
		return -EINVAL;
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct snap *s = talloc_zero(NULL, struct snap);
	if (tmp == NULL || s == NULL)
		return -ENOMEM;
	if (!NT_STATUS_IS_OK(GUID_from_string(id, &s->id))) {
		talloc_free(s);
		talloc_free(tmp);
		return -EINVAL;
	}
	s->c = c;
	s->wtd = (uint32_t)wtd;
	s->timestamp = ts;
	int rc = export_print(c, tmp, dcom_object_new(tmp, c->ex, &snap_class, s),
			      &idl_iface_ISnapshot);
	talloc_free(tmp); /* the object lives while exported */
	return rc;
}

static int cmd_new(struct console *c, const char *path)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct disk *d = talloc_zero(NULL, struct disk);
	if (tmp == NULL || d == NULL || (d->path = talloc_strdup(d, path)) == NULL)
		return -ENOMEM;
	d->c = c;
	struct dcom_object *obj = dcom_object_new(tmp, c->ex, &disk_class, d);
	struct dcom_peer *peer = dcom_peer_get(c->ex, NULL, "console");
	struct STDOBJREF std;
	struct MInterfacePointer *mip = NULL;
	int rc = -ENOMEM;
	if (obj != NULL && peer != NULL &&
	    dcom_export(obj, &idl_iface_IWTDisk, 5, peer, &std) != NULL &&
	    dcom_objref_standard(tmp, c->ex, &idl_iface_IWTDisk.table->syntax_id.uuid, &std,
				 c->listen, &mip) == 0) {
		printf("objref ");
		for (uint32_t i = 0; i < mip->ulCntData; i++)
			printf("%02x", mip->abData[i]);
		printf("\n");
		rc = 0;
	}
	talloc_free(tmp); /* the object lives while exported */
	return rc;
}

static void command(struct console *c, char *line)
{
	int rc = 0;
	if (strncmp(line, "new ", 4) == 0)
		rc = cmd_new(c, line + 4);
	else if (strncmp(line, "snapshot ", 9) == 0)
		rc = cmd_snapshot(c, line + 9);
	else if (strcmp(line, "calls") == 0)
		printf("calls %u\n", c->calls);
	else
		printf("error unknown command\n");
	if (rc != 0)
		printf("error %s\n", strerror(-rc));
	fflush(stdout);
}

static void on_stdin(struct tevent_context *ev, struct tevent_fd *fde, uint16_t flags, void *priv)
{
	struct console *c = priv;
	ssize_t n = read(STDIN_FILENO, c->line + c->len, sizeof(c->line) - 1 - c->len);
	if (n <= 0) {
		c->quit = true;
		return;
	}
	c->len += (size_t)n;
	char *nl;
	while ((nl = memchr(c->line, '\n', c->len)) != NULL) {
		*nl = '\0';
		command(c, c->line);
		size_t used = (size_t)(nl + 1 - c->line);
		memmove(c->line, nl + 1, c->len - used);
		c->len -= used;
	}
	if (c->len == sizeof(c->line) - 1)
		c->len = 0;
}

static void on_signal(struct tevent_context *ev, struct tevent_signal *se, int signum, int count,
		      void *siginfo, void *priv)
{
	((struct console *)priv)->quit = true;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "epm-port", required_argument, NULL, 'e' },
		{ "object-port", required_argument, NULL, 'o' },
		{ "users", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	const char *listen = NULL, *users = NULL;
	unsigned epm = 0, object = 0;
	int opt;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'l': listen = optarg; break;
		case 'e': epm = (unsigned)atoi(optarg); break;
		case 'o': object = (unsigned)atoi(optarg); break;
		case 'u': users = optarg; break;
		default: return 2;
		}
	}
	if (listen == NULL || users == NULL || epm == 0 || object == 0) {
		fprintf(stderr, "usage: see the comment at the top of import_console.c\n");
		return 2;
	}
	TALLOC_CTX *mem = talloc_new(NULL);
	struct console *c = talloc_zero(mem, struct console);
	c->ev = tevent_context_init(mem);
	c->listen = listen;
	char *text = talloc_asprintf(mem,
				     "[rpc]\nlisten = %s\nendpoint_mapper_port = %u\n"
				     "object_port = %u\nmin_auth_level = connect\n"
				     "[auth]\nusers_file = %s\n",
				     listen, epm, object, users);
	char *err = NULL;
	struct cfg *cfg = cfg_parse(mem, "import_console", text, &err);
	struct auth_config *auth = NULL;
	if (c->ev == NULL || cfg == NULL || auth_config_load(cfg, mem, &auth, &err) != 0) {
		fprintf(stderr, "import_console: %s\n", err ? err : "config");
		return 1;
	}
	struct auth_accounts *accounts = auth_accounts_open(mem, auth->users_file);
	struct rpc_server *rpc = accounts ? rpc_server_new(mem, c->ev, cfg, accounts,
							   &auth->options, &err)
					  : NULL;
	struct dcom_config dconf;
	if (rpc == NULL || rpc_epm_register(rpc) != 0 ||
	    dcom_config_load(cfg, mem, &dconf, &err) != 0 ||
	    (c->ex = dcom_exporter_new(mem, c->ev, rpc, &dconf, rpc_server_min_auth_level(rpc),
				       &err)) == NULL) {
		fprintf(stderr, "import_console: %s\n", err ? err : "cannot start");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	tevent_add_signal(c->ev, mem, SIGTERM, 0, on_signal, c);
	tevent_add_signal(c->ev, mem, SIGINT, 0, on_signal, c);
	tevent_add_fd(c->ev, mem, STDIN_FILENO, TEVENT_FD_READ, on_stdin, c);
	printf("ready\n");
	fflush(stdout);
	while (!c->quit && tevent_loop_once(c->ev) == 0)
		;
	talloc_free(mem);
	return 0;
}
