/* The parsers of tgtadm's text replies (src/backend/tgt_parse.c): the same
 * text through each of them, as a confused or hostile tgtd could send. */
#include <stdbool.h>

#include "backend/tgt_parse.h"
#include "fuzz_util.h"
#include "istmd/log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_set_level(LOG_LVL_ERR);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	char *text = fuzz_text(mem, data, size);
	if (text != NULL) {
		struct tgt_live_target *targets;
		struct tgt_conn *conns;
		struct iscsi_portal *portals;
		const char **users;
		size_t n;
		struct iscsi_negotiation neg = { 0 };
		(void)tgt_parse_targets(mem, text, &targets, &n);
		(void)tgt_parse_params(text, &neg);
		(void)tgt_parse_conns(mem, text, &conns, &n);
		(void)tgt_parse_portals(mem, text, &portals, &n);
		(void)tgt_parse_accounts(mem, text, &users, &n);
		/* ACL strings come one per line */
		for (char *save = NULL, *line = strtok_r(text, "\n", &save); line != NULL;
		     line = strtok_r(NULL, "\n", &save))
			(void)tgt_acl_is_address(line);
	}
	talloc_free(mem);
	return 0;
}
