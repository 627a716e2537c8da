/* Start-up recovery: every intent left by a crash is rolled forward or back
 * before the model is used (docs/core.md, "Crash safety"). Runs on the store
 * thread, before the loop sees the model; blocking is fine here.
 *
 * Intents whose remaining work is loop devices (DELETE_DISK, GROW in phase
 * 2) need the targets applied first: the reconciler finishes them. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/vhd.h"
#include "core/recover.h"
#include "core/store.h"
#include "istmd/log.h"

static int commit(struct store *s, struct store_tx *tx, const char *what)
{
	char *why = NULL;
	int rc = store_tx_run(s, tx, &why);
	if (rc < 0)
		log_err("recovery: %s: cannot save: %s", what, why ? why : strerror(-rc));
	talloc_free(tx);
	return rc;
}

/* The directory holding PATH, confined to its storage root. */
static int open_parent(TALLOC_CTX *mem, const struct storage_paths *sp, const char *path,
		       const char **name)
{
	struct storage_path *p = NULL;
	int rc = storage_path_parse(mem, sp, path, &p);
	if (rc < 0)
		return rc;
	return storage_path_open_parent(p, name);
}

static bool name_exists(int dirfd, const char *name)
{
	struct stat st;
	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static void recover_create(struct store *s, const struct storage_paths *sp, struct model *m,
			   struct intent *i)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	const char *final = NULL;
	int dirfd = open_parent(tmp, sp, i->path, &final);
	if (dirfd < 0) {
		log_err("recovery: cannot reach %s to finish or undo its creation: %s; will retry "
			"at the next start", i->path, strerror(-dirfd));
		talloc_free(tmp);
		return;
	}
	struct store_tx *tx = store_tx_new(NULL);
	bool drop_disk = false;
	const char *outcome;
	if (i->phase < 2) {
		/* No disk row: undo. The temporary name is ours alone. */
		if (unlinkat(dirfd, i->tmp_name, 0) != 0 && errno != ENOENT)
			log_warn("recovery: cannot remove %s/%s: %s", i->path, i->tmp_name,
				 strerror(errno));
		outcome = "rolled back (never committed)";
	} else if (name_exists(dirfd, i->tmp_name)) {
		if (renameat2(dirfd, i->tmp_name, dirfd, final, RENAME_NOREPLACE) == 0) {
			outcome = "rolled forward (file renamed into place)";
		} else {
			log_warn("recovery: cannot rename the new VHD to %s: %s", i->path,
				 strerror(errno));
			unlinkat(dirfd, i->tmp_name, 0);
			drop_disk = true;
			outcome = "rolled back (its name was taken meanwhile)";
		}
	} else {
		outcome = "complete (the rename had happened)";
	}
	fsync(dirfd);
	close(dirfd);
	if (tx == NULL || (drop_disk && store_tx_delete_disk(tx, i->wtd) < 0) ||
	    store_tx_delete_intent(tx, i->id) < 0) {
		talloc_free(tx);
		talloc_free(tmp);
		return;
	}
	if (commit(s, tx, i->path) == 0) {
		log_notice("recovery: creation of disk %" PRIu32 " on %s %s", i->wtd, i->path,
			   outcome);
		if (drop_disk) {
			struct mdisk *md = model_disk(m, i->wtd);
			if (md != NULL)
				model_remove_disk(m, md);
		}
		model_remove_intent(m, i->id);
	}
	talloc_free(tmp);
}

static void recover_grow(struct store *s, const struct storage_paths *sp, struct model *m,
			 struct intent *i)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct storage_path *p = NULL;
	int fd = storage_path_parse(tmp, sp, i->path, &p);
	if (fd == 0)
		fd = storage_path_open_exact(p, O_RDWR);
	struct stat st;
	if (fd >= 0 && i->file_ino != 0 &&
	    (fstat(fd, &st) != 0 || (uint64_t)st.st_dev != i->file_dev ||
	     (uint64_t)st.st_ino != i->file_ino)) {
		close(fd);
		fd = -ESTALE; /* replaced since: never write into another file */
	}
	if (fd < 0) {
		log_err("recovery: cannot open %s (without symlinks, the file on record) to finish "
			"or undo its growth: %s; will retry", i->path, strerror(-fd));
		talloc_free(tmp);
		return;
	}
	char reason[VHD_REASON_LEN] = "";
	int64_t size = vhd_recover_grow(fd, i->old_size, reason);
	close(fd);
	if (size < 0) {
		log_err("recovery: %s is neither its old nor its new image: %s", i->path, reason);
		talloc_free(tmp);
		return;
	}
	struct mdisk *md = model_disk(m, i->wtd);
	struct store_tx *tx = store_tx_new(tmp);
	struct intent *next = intent_dup(tmp, i);
	if (tx == NULL || next == NULL) {
		talloc_free(tmp);
		return;
	}
	if ((uint64_t)size != i->old_size && md != NULL) {
		/* Grown: record it; a loop device of the old size may remain. */
		md->d->size = (uint64_t)size;
		next->phase = 2;
		next->new_size = (uint64_t)size;
		if (store_tx_put_disk(tx, md->d) < 0 || store_tx_put_intent(tx, next) < 0) {
			talloc_free(tmp);
			return;
		}
	} else if (store_tx_delete_intent(tx, i->id) < 0) {
		talloc_free(tmp);
		return;
	}
	char *err = NULL;
	if (store_tx_run(s, tx, &err) < 0) {
		log_err("recovery: %s: cannot save: %s", i->path, err ? err : "?");
		talloc_free(tmp);
		return;
	}
	log_notice("recovery: growth of %s from %" PRIu64 " bytes %s", i->path, i->old_size,
		   (uint64_t)size != i->old_size ? "rolled forward" : "rolled back");
	if ((uint64_t)size != i->old_size && md != NULL) {
		i->phase = 2;
		i->new_size = (uint64_t)size;
	} else {
		model_remove_intent(m, i->id);
	}
	talloc_free(tmp);
}

void recover_intents(struct store *s, const struct storage_paths *sp, struct model *m)
{
	/* Iterate over a copy: recovery removes entries. */
	size_t n = m->n_intents;
	struct intent **list = talloc_zero_array(NULL, struct intent *, n + 1);
	if (list == NULL)
		return;
	if (n > 0)
		memcpy(list, m->intents, n * sizeof(*list));
	for (size_t k = 0; k < n; k++) {
		struct intent *i = list[k];
		if (i->kind == INTENT_CREATE_FILE)
			recover_create(s, sp, m, i);
		else if (i->kind == INTENT_GROW && i->phase < 2)
			recover_grow(s, sp, m, i);
	}
	talloc_free(list);
}
