/* VHD files (ILocalDeviceMgr): serialised with the disk operations so that
 * a file a disk uses is never replaced or removed under it. The VHD library
 * makes each file operation crash-atomic by itself (docs/vhd.md). */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "core/disk_change.h"
#include "core/file_jobs.h"
#include "core/store.h"
#include "istmd/log.h"

enum file_op_kind { FOP_CREATE, FOP_GROW, FOP_DELETE };

struct file_op_state {
	enum file_op_kind kind;
	char *input;
	size_t input_len;
	char *parent_input;
	size_t parent_len;
	struct core_file_spec spec;
	uint64_t additional;
	struct storage_path *p;
};

static char *copy_input(TALLOC_CTX *mem, const char *s, size_t len, size_t *out_len)
{
	if (s == NULL)
		s = "";
	if (len == 0)
		len = strlen(s);
	char *c = talloc_size(mem, len + 1);
	if (c != NULL) {
		memcpy(c, s, len);
		c[len] = '\0';
	}
	*out_len = len;
	return c;
}

static void file_job_done(struct op *op)
{
	struct file_op_state *s = op->state;
	struct file_job *j;
	int rc = op_file_job(op, &j);
	if (rc < 0) {
		op_finish(op, rc, "%s", j && j->reason[0] ? j->reason : strerror(-rc));
		return;
	}
	if (s->kind == FOP_GROW)
		op_set_result(op, &j->new_size, sizeof(j->new_size));
	log_info("%s: %s", op->what, j->path);
	op_finish(op, 0, NULL);
}

static void file_op_start(struct op *op)
{
	struct file_op_state *s = op->state;
	struct core *c = op->c;
	int rc = storage_path_parse_n(op, c->sp, s->input, s->input_len, &s->p);
	if (rc < 0) {
		op_finish(op, rc, "'%s' is not a path under the storage roots (%s)", s->input,
			  strerror(-rc));
		return;
	}
	const struct mdisk *md = model_disk_by_path(c->model, s->p->posix);
	if (md != NULL && s->kind == FOP_GROW) {
		uint64_t add = s->additional;
		if (add == 0 || add % 512 != 0) {
			op_finish(op, -EINVAL, "the size to add must be a positive multiple of 512");
			return;
		}
		disk_grow_begin(op, md->d->wtd, md->d->size + add);
		return;
	}
	if (md != NULL) {
		op_finish(op, -EBUSY, "virtual disk %" PRIu32 " uses %s", md->d->wtd, s->p->posix);
		return;
	}
	if (model_intent_for_path(c->model, s->p->posix) != NULL) {
		op_finish(op, -EBUSY, "an operation on %s is under way", s->p->posix);
		return;
	}
	enum file_job_kind kind = s->kind == FOP_CREATE ? FJ_CREATE
				  : s->kind == FOP_GROW ? FJ_GROW
							: FJ_UNLINK;
	struct file_job *j = file_job_new(NULL, kind, c->sp, s->p->posix);
	if (j == NULL) {
		op_finish(op, -ENOMEM, NULL);
		return;
	}
	if (s->kind == FOP_CREATE) {
		j->type = s->spec.type;
		j->size = s->spec.size;
		j->sparse = s->spec.sparse;
		j->overwrite = s->spec.overwrite;
		if (s->spec.type == CORE_VHD_DIFFERENCING) {
			struct storage_path *pp;
			rc = storage_path_parse_n(op, c->sp, s->parent_input, s->parent_len, &pp);
			if (rc < 0) {
				talloc_free(j);
				op_finish(op, rc, "the parent '%s' is not a path under the storage "
					  "roots (%s)", s->parent_input, strerror(-rc));
				return;
			}
			j->parent = talloc_strdup(j, pp->posix);
		} else if (s->spec.size == 0 || s->spec.size % 512 != 0 ||
			   s->spec.size > VHD_MAX_VIRTUAL_SIZE) {
			talloc_free(j);
			op_finish(op, -ERANGE, "a VHD's size is a positive multiple of 512 bytes up "
				  "to %llu", VHD_MAX_VIRTUAL_SIZE);
			return;
		}
	} else if (s->kind == FOP_GROW) {
		if (s->additional == 0 || s->additional % 512 != 0) {
			talloc_free(j);
			op_finish(op, -EINVAL, "the size to add must be a positive multiple of 512");
			return;
		}
		j->additional = s->additional;
	}
	op_io(op, file_job_run, j, file_job_done);
}

static struct tevent_req *file_op_send(TALLOC_CTX *mem, struct core *c, const char *what,
				       enum file_op_kind kind, const char *path, size_t path_len,
				       struct file_op_state **out)
{
	struct op *op;
	struct tevent_req *req =
		op_send(mem, c, what, sizeof(struct file_op_state), file_op_start, &op);
	if (req == NULL || !tevent_req_is_in_progress(req))
		return req;
	struct file_op_state *s = op->state;
	s->kind = kind;
	s->input = copy_input(op, path, path_len, &s->input_len);
	if (s->input == NULL) {
		talloc_free(op);
		tevent_req_oom(req);
		return tevent_req_post(req, c->ev);
	}
	*out = s;
	return req;
}

struct tevent_req *core_file_create_send(TALLOC_CTX *mem, struct core *c,
					 const struct core_file_spec *spec)
{
	struct file_op_state *s = NULL;
	struct tevent_req *req = file_op_send(mem, c, "create a VHD file", FOP_CREATE, spec->path,
					      spec->path_len, &s);
	if (s != NULL) {
		s->spec = *spec;
		s->spec.path = NULL;
		s->parent_input = copy_input(s, spec->parent, spec->parent_len, &s->parent_len);
		s->spec.parent = NULL;
	}
	return req;
}

int core_file_create_recv(struct tevent_req *req, TALLOC_CTX *mem, char **why)
{
	return op_recv(req, mem, why);
}

struct tevent_req *core_file_grow_send(TALLOC_CTX *mem, struct core *c, const char *path,
				       size_t path_len, uint64_t additional)
{
	struct file_op_state *s = NULL;
	struct tevent_req *req =
		file_op_send(mem, c, "grow a VHD file", FOP_GROW, path, path_len, &s);
	if (s != NULL)
		s->additional = additional;
	return req;
}

int core_file_grow_recv(struct tevent_req *req, TALLOC_CTX *mem, uint64_t *new_size, char **why)
{
	int rc = op_recv(req, mem, why);
	if (rc == 0 && new_size != NULL) {
		const uint64_t *n = op_req_result(req);
		*new_size = n ? *n : 0;
	}
	return rc;
}

struct tevent_req *core_file_delete_send(TALLOC_CTX *mem, struct core *c, const char *path,
					 size_t path_len)
{
	struct file_op_state *s = NULL;
	return file_op_send(mem, c, "delete a VHD file", FOP_DELETE, path, path_len, &s);
}

int core_file_delete_recv(struct tevent_req *req, TALLOC_CTX *mem, char **why)
{
	return op_recv(req, mem, why);
}
