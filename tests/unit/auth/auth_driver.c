/* Drives one server-side security context (auth.h) from a line protocol on
 * standard input, so an independent implementation (impacket, see
 * impacket_ntlm.py) can talk to our server. All binary values are hex.
 *
 *   TOKEN hex                      -> OUT rc hex          (auth_update)
 *   WHO                            -> OK user admin|user
 *   UNSEAL pdu offset length sig   -> OK pdu | ERR rc     (unseal in place)
 *   CHECK pdu sig                  -> OK | ERR rc
 *   SEAL pdu offset length         -> OK pdu sig | ERR rc
 *   SIGN pdu                       -> OK sig | ERR rc
 *
 * Usage: auth_driver [--spnego] [--allow-ntlmv1] USER PASSWORD [ADMIN]
 * (the account is written to a temporary users file first). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "auth/users_file.h"
#include "istmd/log.h"

static DATA_BLOB unhex(TALLOC_CTX *mem, const char *hex)
{
	size_t n = hex != NULL ? strlen(hex) / 2 : 0;
	DATA_BLOB b = data_blob_talloc_zero(mem, n + 1);
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			exit(3);
		b.data[i] = (uint8_t)v;
	}
	b.length = n;
	return b;
}

static void put_hex(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
	if (n == 0)
		printf("-");
}

int main(int argc, char **argv)
{
	struct auth_server_options opts = { .nb_computer_name = "DRIVER", .nb_domain_name = "WORKGROUP" };
	uint8_t type = AUTH_TYPE_NTLMSSP;
	int i = 1;
	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--spnego") == 0)
			type = AUTH_TYPE_SPNEGO;
		else if (strcmp(argv[i], "--allow-ntlmv1") == 0)
			opts.allow_ntlmv1 = true;
	}
	if (argc - i < 2)
		return 2;
	log_set_level(LOG_LVL_WARNING);
	TALLOC_CTX *mem = talloc_new(NULL);
	char dir[] = "/tmp/istmd-driver-XXXXXX";
	if (mkdtemp(dir) == NULL)
		return 1;
	char *path = talloc_asprintf(mem, "%s/users", dir);
	if (users_add(path, argv[i], argc - i > 2, argv[i + 1]) < 0)
		return 1;
	struct auth_accounts *accounts = auth_accounts_open(mem, path);
	struct auth_ctx *ctx = auth_server_new(mem, accounts, &opts, type);
	if (ctx == NULL)
		return 1;

	char line[1 << 18];
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), stdin) != NULL) {
		TALLOC_CTX *tmp = talloc_new(mem);
		line[strcspn(line, "\n")] = '\0';
		char *save = NULL;
		char *cmd = strtok_r(line, " ", &save);
		char *a1 = strtok_r(NULL, " ", &save), *a2 = strtok_r(NULL, " ", &save);
		char *a3 = strtok_r(NULL, " ", &save), *a4 = strtok_r(NULL, " ", &save);
		if (cmd == NULL) {
			break;
		} else if (strcmp(cmd, "TOKEN") == 0) {
			DATA_BLOB in = unhex(tmp, a1), out;
			int rc = auth_update(ctx, tmp, &in, &out);
			printf("OUT %d ", rc);
			put_hex(out.data, out.length);
			printf("\n");
		} else if (strcmp(cmd, "WHO") == 0) {
			printf("OK %s %s\n", auth_user(ctx) ? auth_user(ctx) : "-",
			       auth_is_admin(ctx) ? "admin" : "user");
		} else if (strcmp(cmd, "UNSEAL") == 0 || strcmp(cmd, "SEAL") == 0) {
			DATA_BLOB pdu = unhex(tmp, a1), sig = unhex(tmp, a4);
			size_t off = a2 ? strtoul(a2, NULL, 10) : 0, len = a3 ? strtoul(a3, NULL, 10) : 0;
			if (off > pdu.length || len > pdu.length - off)
				return 3;
			int rc = cmd[0] == 'U'
					 ? auth_unseal(ctx, pdu.data + off, len, pdu.data, pdu.length, &sig)
					 : auth_seal(ctx, tmp, pdu.data + off, len, pdu.data, pdu.length, &sig);
			if (rc < 0) {
				printf("ERR %d\n", rc);
			} else {
				printf("OK ");
				put_hex(pdu.data, pdu.length);
				if (cmd[0] == 'S') {
					printf(" ");
					put_hex(sig.data, sig.length);
				}
				printf("\n");
			}
		} else if (strcmp(cmd, "CHECK") == 0 || strcmp(cmd, "SIGN") == 0) {
			DATA_BLOB pdu = unhex(tmp, a1), sig = unhex(tmp, a2);
			int rc = cmd[1] == 'H' ? auth_check(ctx, pdu.data, pdu.length, NULL, 0, &sig)
					       : auth_sign(ctx, tmp, pdu.data, pdu.length, NULL, 0, &sig);
			if (rc < 0) {
				printf("ERR %d\n", rc);
			} else {
				printf("OK ");
				if (cmd[1] == 'I')
					put_hex(sig.data, sig.length);
				printf("\n");
			}
		} else {
			return 3;
		}
		talloc_free(tmp);
	}
	unlink(path);
	rmdir(dir);
	talloc_free(mem);
	return 0;
}
