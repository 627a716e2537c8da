/* The configuration file parser (src/util/config.c) and the typed getters
 * every [section] reader uses, on arbitrary text. */
#include <stdbool.h>

#include "auth/auth.h"
#include "fuzz_util.h"
#include "istmd/config.h"
#include "istmd/log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_set_level(LOG_LVL_ERR);
	return 0;
}

static void count_unused(const char *section, const char *key, unsigned line, void *priv)
{
	(*(unsigned *)priv)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	char *text = fuzz_text(mem, data, size);
	char *err = NULL;
	struct cfg *cfg = text ? cfg_parse(mem, "fuzz.conf", text, &err) : NULL;
	if (cfg != NULL) {
		static const char *const keys[][2] = {
			{ "rpc", "listen" },     { "rpc", "min_auth_level" }, { "rpc", "max_pdu_size" },
			{ "auth", "users_file" }, { "storage", "roots" },     { "log", "level" },
			{ "iscsi", "tgt_control_port" },
		};
		static const char *const levels[] = { "none", "connect", "integrity", "privacy", NULL };
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			uint64_t u;
			bool b;
			unsigned e;
			char **list;
			(void)cfg_get(cfg, keys[i][0], keys[i][1], NULL);
			(void)cfg_get_uint(cfg, keys[i][0], keys[i][1], 7, 0, 65535, &u, &err);
			(void)cfg_get_bool(cfg, keys[i][0], keys[i][1], false, &b, &err);
			(void)cfg_get_enum(cfg, keys[i][0], keys[i][1], "none", levels, &e, &err);
			(void)cfg_get_list(cfg, keys[i][0], keys[i][1], "", mem, &list, &err);
		}
		struct auth_config *ac;
		(void)auth_config_load(cfg, mem, &ac, &err);
		unsigned unused = 0;
		cfg_foreach_unused(cfg, count_unused, &unused);
	}
	talloc_free(mem);
	return 0;
}
