#include "istm/path_probe.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "istm/istm.h"
#include "istmd/workpool.h"

struct probe_job {
	const struct storage_paths *sp;
	char *input;
	size_t len;
	unsigned what;
	struct istm_path_probe *probe;
};

/* Opening for reading never blocks: O_NONBLOCK for a FIFO, O_NOCTTY for a
 * terminal; only regular files are read. */
#define PROBE_OPEN_FLAGS (O_RDONLY | O_NONBLOCK | O_NOCTTY)

static void probe_object(struct istm_path_probe *p, unsigned what)
{
	int fd = storage_path_open(p->path, PROBE_OPEN_FLAGS);
	if (fd < 0) {
		p->stat_rc = fd;
		return;
	}
	p->stat_rc = fstat(fd, &p->st) == 0 ? 0 : -errno;
	if ((what & ISTM_PROBE_VHD) && p->stat_rc == 0) {
		if (S_ISREG(p->st.st_mode))
			p->vhd_rc = vhd_inspect(p, fd, &p->vhd, p->vhd_reason);
		else
			p->vhd_rc = S_ISDIR(p->st.st_mode) ? -EISDIR : -EINVAL;
	}
	close(fd);
}

static void probe_run(void *arg)
{
	struct probe_job *j = arg;
	struct istm_path_probe *p = j->probe;
	p->parse_rc = storage_path_parse_n(p, j->sp, j->input, j->len, &p->path);
	if (p->parse_rc < 0)
		return;
	p->is_root = p->path->rel[0] == '\0';
	if (j->what & (ISTM_PROBE_STAT | ISTM_PROBE_VHD))
		probe_object(p, j->what);
	if (j->what & ISTM_PROBE_PARENT) {
		const char *name;
		int fd = storage_path_open_parent(p->path, &name);
		if (fd < 0) {
			p->parent_rc = fd;
		} else {
			p->parent_rc = fstat(fd, &p->parent_st) == 0 ? 0 : -errno;
			close(fd);
		}
	}
	if (j->what & ISTM_PROBE_VOLUME)
		p->volume_rc = storage_volume_info(p->path->root, &p->volume);
}

struct tevent_req *istm_path_probe_send(TALLOC_CTX *mem, const struct istm_context *ctx,
					const char *input, size_t len, unsigned what)
{
	/* The job's memory is its own tree: the worker allocates below it. */
	struct probe_job *j = talloc_zero(NULL, struct probe_job);
	if (j == NULL)
		return NULL;
	j->sp = ctx->storage;
	j->what = what;
	j->len = len ? len : strlen(input);
	j->input = talloc_memdup(j, input, j->len + 1);
	j->probe = talloc_zero(j, struct istm_path_probe);
	if (j->input == NULL || j->probe == NULL) {
		talloc_free(j);
		return NULL;
	}
	j->input[j->len] = '\0';
	struct istm_path_probe *p = j->probe;
	p->parse_rc = p->stat_rc = p->parent_rc = p->volume_rc = p->vhd_rc = -ENODATA;
	struct tevent_req *req = workpool_run_send(mem, ctx->ev, ctx->pool, probe_run, j);
	if (req == NULL)
		talloc_free(j);
	return req;
}

int istm_path_probe_recv(struct tevent_req *req, TALLOC_CTX *mem, struct istm_path_probe **out)
{
	void *state = NULL;
	int rc = workpool_run_recv(req, mem, &state);
	if (rc < 0)
		return rc;
	struct probe_job *j = state;
	*out = talloc_steal(mem, j->probe);
	talloc_free(j);
	return 0;
}
