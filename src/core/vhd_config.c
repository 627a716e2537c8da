/* [vhd]: how dynamic and differencing VHDs are served (conf/istmd.conf,
 * docs/vhd-serving.md). */
#include <errno.h>
#include <limits.h>
#include <unistd.h>

#include "backend/vhd_io.h"
#include "backend/vhdfs_ctl.h"
#include "core/core.h"
#include "istmd/config.h"
#include "istmd/log.h"

int core_vhdfs_from_config(TALLOC_CTX *mem, struct cfg *cfg, const char *state_dir,
			   const struct storage_paths *sp, struct vhdfs_conf **out, char **err)
{
	bool serve = true;
	uint64_t depth, cache, check, start;
	*out = NULL;
	if (cfg_get_bool(cfg, "vhd", "serve", true, &serve, err) != 0 ||
	    cfg_get_uint(cfg, "vhd", "max_depth", VHD_IO_DEFAULT_MAX_DEPTH, 1, 64, &depth, err) != 0 ||
	    cfg_get_uint(cfg, "vhd", "bitmap_cache", VHD_IO_DEFAULT_BITMAP_CACHE, 4, 1u << 20, &cache,
			 err) != 0 ||
	    cfg_get_uint(cfg, "vhd", "check_interval_ms", 1000, 50, 600000, &check, err) != 0 ||
	    cfg_get_uint(cfg, "vhd", "start_timeout_ms", 10000, 100, 600000, &start, err) != 0)
		return -EINVAL;
	const char *binary = cfg_get(cfg, "vhd", "vhdfs", NULL);
	const char *run_dir = cfg_get(cfg, "vhd", "run_dir", NULL);
	if (!serve) {
		log_info("[vhd] serve = no: dynamic and differencing VHDs are not served");
		return 0;
	}
	struct vhdfs_conf *vc = talloc_zero(mem, struct vhdfs_conf);
	if (vc == NULL)
		return -ENOMEM;
	char def[PATH_MAX];
	if (binary == NULL && vhdfs_default_binary(def, sizeof(def)) == 0)
		binary = def;
	vc->binary = binary != NULL ? talloc_strdup(vc, binary) : NULL;
	vc->run_dir = run_dir != NULL ? talloc_strdup(vc, run_dir)
				      : talloc_asprintf(vc, "%s/vhdfs", state_dir);
	vc->max_depth = (unsigned)depth;
	vc->bitmap_cache = (unsigned)cache;
	vc->check_interval_ms = (unsigned)check;
	vc->start_timeout_ms = (unsigned)start;
	vc->sp = sp;
	if (vc->binary == NULL || access(vc->binary, X_OK) != 0) {
		log_warn("[vhd] vhdfs: %s is not executable: dynamic and differencing VHDs are not "
			 "served", vc->binary ? vc->binary : "istmd-vhdfs");
		talloc_free(vc);
		return 0;
	}
	if (access("/dev/fuse", R_OK | W_OK) != 0) {
		log_warn("[vhd]: /dev/fuse is not usable: dynamic and differencing VHDs are not served");
		talloc_free(vc);
		return 0;
	}
	*out = vc;
	return 0;
}
