/* Creates a virtual disk in an istmd state directory through the core, before
 * the daemon starts (the target sequences of MS-ISTM 4.3 and 4.7 need one,
 * and the disk methods are another branch's work):
 *
 *   target_seed_disk ISTMD_CONF FILE SIZE
 *
 * reads [state], [storage] and [general] from ISTMD_CONF as istmd does,
 * creates a fixed VHD of SIZE bytes at FILE (a path under a storage root, in
 * any accepted spelling) and registers it, without a backend; prints the new
 * WTD index. Exit status 0, or 1 with the reason on stderr. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <talloc.h>
#include <tevent.h>

#include "backend/storage_paths.h"
#include "core/core.h"
#include "istmd/config.h"

static int fail(const char *what, const char *why)
{
	fprintf(stderr, "target_seed_disk: %s: %s\n", what, why ? why : "failed");
	return 1;
}

int main(int argc, char **argv)
{
	if (argc != 4)
		return fail("usage", "target_seed_disk ISTMD_CONF FILE SIZE");
	TALLOC_CTX *mem = talloc_new(NULL);
	struct tevent_context *ev = tevent_context_init(mem);
	char *err = NULL, *why = NULL;
	struct cfg *cfg = cfg_load(mem, argv[1], &err);
	if (cfg == NULL)
		return fail(argv[1], err);
	struct storage_paths *storage = NULL;
	struct core_options opts;
	if (storage_paths_from_config(mem, cfg, &storage, &err) != 0 ||
	    core_options_from_config(mem, cfg, &opts, &err) != 0)
		return fail(argv[1], err);
	opts.storage = storage;
	opts.hostname = cfg_get(cfg, "general", "name", NULL);

	struct core *core = NULL;
	struct tevent_req *req = core_open_send(mem, ev, &opts);
	if (req == NULL || !tevent_req_poll(req, ev) || core_open_recv(req, mem, &core, &why) != 0)
		return fail("opening the state", why);

	struct core_disk_spec spec = {
		.path = argv[2],
		.description = "seeded by target_seed_disk",
		.type = CORE_WTD_FILE,
		.new_size = strtoull(argv[3], NULL, 0),
		.new_type = CORE_VHD_FIXED,
		.sparse = true,
	};
	uint32_t wtd = 0;
	req = core_disk_create_send(mem, core, &spec);
	if (req == NULL || !tevent_req_poll(req, ev) || core_disk_create_recv(req, mem, &wtd, &why) != 0)
		return fail(argv[2], why);
	req = core_close_send(mem, core);
	if (req == NULL || !tevent_req_poll(req, ev) || core_close_recv(req) != 0)
		return fail("closing the state", NULL);
	talloc_free(core);
	printf("%" PRIu32 "\n", wtd);
	talloc_free(mem);
	return 0;
}
