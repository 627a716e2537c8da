/* istmd-replay's readers (src/replay): pcap / pcapng with IP and TCP
 * reassembly, DCE/RPC framing and fragments, NTLMSSP key derivation and
 * unsealing with a fixed password, the session log and rules files: a
 * truncated or corrupt recording must be refused with a reason, never crash.
 *
 * Input: one flag byte, then the recording. Flag bits 0-1: 0 or 1 capture
 * (1: with a password), 2 session log, 3 rules file. */
#include <stdint.h>
#include <stdlib.h>

#include <talloc.h>

#include "fuzz_util.h"
#include "replay/capture.h"
#include "replay/model.h"
#include "replay/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	TALLOC_CTX *mem = talloc_new(NULL);
	const char *why = NULL;
	unsigned mode = data[0] & 3;
	data++;
	size--;
	if (mode <= 1) {
		struct capture *cap = NULL;
		struct rp_model *m = NULL;
		struct rp_keys keys = { .password = mode == 1 ? "Secret-alice-1" : NULL };
		if (capture_read(mem, data, size, &cap, &why) == 0) {
			if (rp_model_from_capture(mem, cap, &keys, &m, &why) == 0) {
				for (size_t i = 0; i < m->num_calls; i++)
					talloc_free((void *)rp_call_name(mem, &m->calls[i]));
			} else if (why == NULL) {
				abort(); /* a refusal always says why */
			}
		} else if (why == NULL) {
			abort();
		}
	} else if (mode == 2) {
		struct rp_model *m = NULL;
		if (rp_sessionlog_is(data, size))
			(void)rp_sessionlog_read(mem, (const char *)data, size, &m, &why);
	} else {
		char *text = talloc_strndup(mem, (const char *)data, size);
		struct rp_rules *r = NULL;
		if (text != NULL && rp_rules_parse(mem, text, "fuzz", &r, &why) == 0)
			(void)rp_rules_masked(r, "IHost_get_Guid", "out.pGuid");
	}
	talloc_free(mem);
	return 0;
}
