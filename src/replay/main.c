/* istmd-replay: replays a recorded MS-ISTM session against a live istmd and
 * compares the answers field by field (docs/replay.md). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <talloc.h>

#include "ndr/idl_interface.h"
#include "replay/capture.h"
#include "replay/dump.h"
#include "replay/model.h"
#include "replay/replay.h"
#include "replay/rules.h"

#define EXIT_DIFF 1
#define EXIT_ERROR 2

static void usage(FILE *f)
{
	fprintf(f,
		"usage: istmd-replay [options] RECORDING\n"
		"RECORDING is a pcap/pcapng capture or an istmd session log.\n"
		"  --rules FILE          masks, accounts and passwords of this recording\n"
		"  --password P          password of the recorded account (sealed/signed traffic)\n"
		"  --nt-hash HEX         its NT hash instead\n"
		"  --server ADDR         only the capture's connections to this server address\n"
		"  --dry-run             print the decoded call list and stop\n"
		"  --fields              with --dry-run: every decoded field too\n"
		"  --addr A              the live istmd (default 127.0.0.1)\n"
		"  --port N              its endpoint mapper port (default 135)\n"
		"  --object-port N       its object port (default: learnt from its answers)\n"
		"  --user U              live account (default: the rules file's, or the recorded)\n"
		"  --live-password P     its password (default: the recorded one)\n"
		"  --level L             live auth level: integrity | privacy (default privacy)\n"
		"  --auth ntlm|spnego    live security package (default ntlm)\n"
		"  --stop-at-first       stop at the first difference\n"
		"  --continue            replay everything, report all differences (default)\n"
		"  --json                machine-readable result on stdout\n"
		"  --show-masked         also print the differences the masks hid\n"
		"  --timeout MS          per call (default 30000)\n"
		"exit status: 0 no unmasked difference, 1 differences, 2 error\n");
}

static int read_file(TALLOC_CTX *mem, const char *path, uint8_t **data, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	*data = talloc_size(mem, (size_t)st.st_size + 1);
	if (*data == NULL) {
		close(fd);
		return -ENOMEM;
	}
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, *data + got, (size_t)st.st_size - got);
		if (n <= 0) {
			close(fd);
			return n == 0 ? -EIO : -errno;
		}
		got += (size_t)n;
	}
	(*data)[got] = 0;
	*len = got;
	close(fd);
	return 0;
}

static int hex16(const char *s, uint8_t out[16])
{
	if (strlen(s) != 32)
		return -1;
	for (int i = 0; i < 16; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

static const char *dir_name(uint8_t level)
{
	switch (level) {
	case 1: return "none";
	case 2: return "connect";
	case 5: return "integrity";
	case 6: return "privacy";
	default: return "?";
	}
}

static void print_fields(const struct rp_call *k)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	const struct idl_interface *i = rp_iface_find(&k->iface);
	void *r;
	const char *why;
	struct rp_dump d;
	bool out = k->answered && !k->fault;
	if (i == NULL || rp_decode(tmp, i, k->opnum, &k->request, out ? &k->response : NULL, &r, &why) != 0) {
		printf("       (does not decode)\n");
		talloc_free(tmp);
		return;
	}
	for (int side = 0; side < (out ? 2 : 1); side++) {
		if (rp_dump_call(tmp, i, k->opnum, side == 0 ? NDR_IN : NDR_OUT, r, &d) != 0)
			continue;
		for (size_t f = 0; f < d.n; f++)
			printf("       %s = %s\n", d.f[f].path, d.f[f].value);
	}
	talloc_free(tmp);
}

static void print_calls(const struct rp_model *m, bool fields)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	for (size_t i = 0; i < m->num_conns; i++) {
		const struct rp_conn *c = &m->conns[i];
		printf("connection %u: %s:%u from port %u, %s, auth type %u level %s%s%s\n", c->index,
		       c->server, c->server_port, c->client_port,
		       c->to_resolver ? "resolver port" : "object port", c->auth_type,
		       dir_name(c->auth_level), c->user[0] ? ", account " : "", c->user);
	}
	for (size_t i = 0; i < m->num_calls; i++) {
		const struct rp_call *k = &m->calls[i];
		struct GUID_txt_buf b;
		printf("%4u conn %u %-44s opnum %2u ipid %s req %zu", k->number,
		       m->conns[k->conn].index, rp_call_name(tmp, k), k->opnum,
		       k->has_object ? GUID_buf_string(&k->object, &b) : "-", k->request.length);
		if (k->req_frags > 1)
			printf(" in %u fragments", k->req_frags);
		printf(" ");
		if (!k->answered)
			printf("no answer\n");
		else if (k->fault)
			printf("fault 0x%08x\n", k->fault_status);
		else
			printf("resp %zu%s\n", k->response.length,
			       k->resp_frags > 1 ? talloc_asprintf(tmp, " in %u fragments", k->resp_frags) : "");
		if (fields)
			print_fields(k);
	}
	talloc_free(tmp);
}

static int run(TALLOC_CTX *mem, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "password", required_argument, NULL, 'p' },
		{ "nt-hash", required_argument, NULL, 'H' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "server", required_argument, NULL, 'S' },
		{ "fields", no_argument, NULL, 'F' },
		{ "addr", required_argument, NULL, 'a' },
		{ "port", required_argument, NULL, 'P' },
		{ "object-port", required_argument, NULL, 'O' },
		{ "user", required_argument, NULL, 'u' },
		{ "live-password", required_argument, NULL, 'L' },
		{ "level", required_argument, NULL, 'l' },
		{ "auth", required_argument, NULL, 'A' },
		{ "stop-at-first", no_argument, NULL, 's' },
		{ "continue", no_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "show-masked", no_argument, NULL, 'M' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct rp_options o = { .addr = "127.0.0.1", .port = 135, .level = 6, .timeout_ms = 30000 };
	const char *rules_path = NULL, *password = NULL, *nt_hex = NULL, *server = NULL;
	bool dry_run = false, fields = false;
	int opt;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'r': rules_path = optarg; break;
		case 'p': password = optarg; break;
		case 'H': nt_hex = optarg; break;
		case 'n': dry_run = true; break;
		case 'S': server = optarg; break;
		case 'F': fields = true; break;
		case 'a': o.addr = optarg; break;
		case 'P': o.port = (uint16_t)atoi(optarg); break;
		case 'O': o.object_port = (uint16_t)atoi(optarg); break;
		case 'u': o.user = optarg; break;
		case 'L': o.password = optarg; break;
		case 'l':
			if (strcmp(optarg, "integrity") == 0)
				o.level = 5;
			else if (strcmp(optarg, "privacy") == 0)
				o.level = 6;
			else {
				fprintf(stderr, "istmd-replay: --level integrity or privacy\n");
				return EXIT_ERROR;
			}
			break;
		case 'A':
			if (strcmp(optarg, "ntlm") == 0)
				o.auth_type = 10;
			else if (strcmp(optarg, "spnego") == 0)
				o.auth_type = 9;
			else {
				fprintf(stderr, "istmd-replay: --auth ntlm or spnego\n");
				return EXIT_ERROR;
			}
			break;
		case 's': o.stop_at_first = true; break;
		case 'c': o.stop_at_first = false; break;
		case 'j': o.json = true; break;
		case 'M': o.show_masked = true; break;
		case 't': o.timeout_ms = (unsigned)atoi(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_ERROR;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return EXIT_ERROR;
	}
	const char *path = argv[optind];

	struct rp_rules *rules = NULL;
	const char *why = NULL;
	if (rules_path != NULL) {
		if (rp_rules_load(mem, rules_path, &rules, &why) != 0) {
			fprintf(stderr, "istmd-replay: %s: %s\n", rules_path, why);
			return EXIT_ERROR;
		}
	} else {
		rules = rp_rules_empty(mem);
	}
	if (password == NULL)
		password = rules->password;
	if (nt_hex == NULL)
		nt_hex = rules->nt_hash;
	uint8_t nt_hash[16];
	struct rp_keys keys = { .password = password, .server = server };
	if (nt_hex != NULL) {
		if (hex16(nt_hex, nt_hash) != 0) {
			fprintf(stderr, "istmd-replay: the NT hash is 32 hexadecimal digits\n");
			return EXIT_ERROR;
		}
		keys.nt_hash = nt_hash;
	}

	uint8_t *data = NULL;
	size_t len = 0;
	int rc = read_file(mem, path, &data, &len);
	if (rc != 0) {
		fprintf(stderr, "istmd-replay: %s: %s\n", path, strerror(-rc));
		return EXIT_ERROR;
	}
	struct rp_model *model;
	if (rp_sessionlog_is(data, len)) {
		rc = rp_sessionlog_read(mem, (const char *)data, len, &model, &why);
	} else {
		struct capture *cap;
		rc = capture_read(mem, data, len, &cap, &why);
		if (rc == 0)
			rc = rp_model_from_capture(mem, cap, &keys, &model, &why);
	}
	if (rc != 0) {
		fprintf(stderr, "istmd-replay: %s: %s\n", path, why);
		return EXIT_ERROR;
	}
	if (model->num_calls == 0) {
		fprintf(stderr, "istmd-replay: %s: no DCE/RPC call in it\n", path);
		return EXIT_ERROR;
	}
	if (dry_run) {
		print_calls(model, fields);
		return 0;
	}
	if (o.user == NULL)
		o.user = rules->user != NULL ? rules->user : model->conns[0].user;
	if (o.password == NULL)
		o.password = rules->live_password != NULL ? rules->live_password : password;
	if (o.password == NULL) {
		fprintf(stderr, "istmd-replay: no password for the live account: --live-password\n");
		return EXIT_ERROR;
	}
	rc = rp_replay(mem, model, rules, &o);
	return rc < 0 ? EXIT_ERROR : rc > 0 ? EXIT_DIFF : 0;
}

int main(int argc, char **argv)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	if (mem == NULL)
		return EXIT_ERROR;
	int rc = run(mem, argc, argv);
	talloc_free(mem);
	return rc;
}
