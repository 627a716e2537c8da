/* The reconciler's blocking work, for the io pool: loop devices, DNS names,
 * and the file side of intents (reconcile_jobs.h). */
#include "core/reconcile_jobs.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/storage_paths.h"
#include "istmd/log.h"

#define MAX_LOOPS_PER_FILE 16

static void note(char *reason, size_t size, const char *what, const char *path, int rc)
{
	snprintf(reason, size, "%s %s: %s", what, path, strerror(-rc));
}

/* Opens the disk file PATH beneath its storage root without following any
 * symlink, and checks it is the file on record (DEV/INO, unless 0/0): a
 * descriptor, or -ESTALE when the path leads elsewhere now (a symlink on it,
 * another file), or another negative errno; REASON says which. Issue 9,
 * defect 2: nothing outside the root, nor any other file, is ever attached
 * or written. */
static int open_disk_file(const struct storage_paths *sp, const char *path, int flags,
			  uint64_t dev, uint64_t ino, struct stat *st, char *reason, size_t size)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct storage_path *p = NULL;
	int rc = tmp != NULL ? storage_path_parse(tmp, sp, path, &p) : -ENOMEM;
	int fd = rc == 0 ? storage_path_open_exact(p, flags) : rc;
	talloc_free(tmp);
	if (fd == -EACCES) {
		snprintf(reason, size, "%s: a symlink on the path, or outside the storage roots; "
			 "refused (the disk's file must be reached without symlinks)", path);
		return -ESTALE;
	}
	if (fd < 0) {
		note(reason, size, "cannot open", path, fd);
		return fd;
	}
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		snprintf(reason, size, "%s is not a regular file any more; refused", path);
		return -ESTALE;
	}
	if (ino != 0 && ((uint64_t)st->st_dev != dev || (uint64_t)st->st_ino != ino)) {
		close(fd);
		snprintf(reason, size, "%s is not the file the disk was created on (replaced: "
			 "inode %llu, not %llu); refused", path, (unsigned long long)st->st_ino,
			 (unsigned long long)ino);
		return -ESTALE;
	}
	return fd;
}

/* Detaches every loop device over the file DEV/INO (of SIZELIMIT, 0: any),
 * and LOOP first if given and still over that file. Found by identity
 * (LOOP_GET_STATUS64), never through a path. 0 or a negative errno. */
static int detach_id(const struct core_loop_ops *ops, const char *path, dev_t dev, ino_t ino,
		     uint64_t sizelimit, const struct loopdev *loop, char *reason, size_t size)
{
	if (loop != NULL) {
		struct loopdev now;
		if (ops->info(loop->path, &now) == 0 && now.backing_dev == loop->backing_dev &&
		    now.backing_ino == loop->backing_ino) {
			int rc = ops->detach(loop->path);
			if (rc < 0 && rc != -ENXIO) {
				note(reason, size, "cannot detach the loop device of", path, rc);
				return rc;
			}
		}
	}
	char last[sizeof(loop->path)] = "";
	for (int i = 0; i < MAX_LOOPS_PER_FILE; i++) {
		struct loopdev found;
		int rc = ops->find(dev, ino, sizelimit, &found);
		if (rc == -ENOENT)
			return 0; /* none left */
		if (rc < 0) {
			note(reason, size, "cannot look for loop devices over", path, rc);
			return rc;
		}
		if (strcmp(found.path, last) == 0)
			return 0; /* still open by the target: the kernel detaches it on close */
		snprintf(last, sizeof(last), "%s", found.path);
		rc = ops->detach(found.path);
		if (rc < 0 && rc != -ENXIO) {
			note(reason, size, "cannot detach the loop device of", path, rc);
			return rc;
		}
	}
	return 0;
}

/* The file's identity: on record, else the device we attached, else what
 * PATH leads to beneath the root without symlinks (a record from before
 * identities were kept). 0, or -ENOENT when there is nothing to go by. */
static int file_identity(const struct storage_paths *sp, const char *path, uint64_t rec_dev,
			 uint64_t rec_ino, const struct loopdev *loop, dev_t *dev, ino_t *ino)
{
	if (rec_ino != 0) {
		*dev = (dev_t)rec_dev;
		*ino = (ino_t)rec_ino;
		return 0;
	}
	if (loop != NULL) {
		*dev = loop->backing_dev;
		*ino = loop->backing_ino;
		return 0;
	}
	struct stat st;
	char ignored[64];
	int fd = open_disk_file(sp, path, O_PATH, 0, 0, &st, ignored, sizeof(ignored));
	if (fd < 0)
		return -ENOENT;
	close(fd);
	*dev = st.st_dev;
	*ino = st.st_ino;
	return 0;
}

static int detach_file(const struct core_loop_ops *ops, const struct storage_paths *sp,
		       const char *path, uint64_t rec_dev, uint64_t rec_ino, uint64_t sizelimit,
		       const struct loopdev *loop, char *reason, size_t size)
{
	dev_t dev;
	ino_t ino;
	if (file_identity(sp, path, rec_dev, rec_ino, loop, &dev, &ino) < 0)
		return 0; /* the file is gone and nothing on record: nothing of ours to find */
	return detach_id(ops, path, dev, ino, sizelimit, loop, reason, size);
}

/* Starts (or finds) the istmd-vhdfs of the image FD; *RAW its raw file. */
static int serve_vhdfs(const struct loop_job *j, struct loop_item *it, int fd,
		       const struct stat *st, int *raw, bool *started)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct storage_path *p = NULL;
	int rc = tmp != NULL ? storage_path_parse(tmp, j->sp, it->path, &p) : -ENOMEM;
	if (rc == 0)
		rc = vhdfs_ensure(j->vc, fd, p->posix, st, raw, &it->vhdfs_pid, started, it->reason,
				  sizeof(it->reason));
	else
		note(it->reason, sizeof(it->reason), "cannot parse", it->path, rc);
	talloc_free(tmp);
	return rc;
}

/* Stops the istmd-vhdfs of the disk file, if one runs (found by the file's
 * identity: on record, else what the path leads to). */
static void stop_vhdfs(const struct vhdfs_conf *vc, const struct storage_paths *sp,
		       const char *path, uint64_t rec_dev, uint64_t rec_ino)
{
	dev_t dev;
	ino_t ino;
	if (vc == NULL || file_identity(sp, path, rec_dev, rec_ino, NULL, &dev, &ino) < 0)
		return;
	vhdfs_stop(vc, dev, ino);
}

static int attach(const struct loop_job *j, struct loop_item *it)
{
	struct stat st;
	int fd = open_disk_file(j->sp, it->path, O_RDWR, it->file_dev, it->file_ino, &st,
				it->reason, sizeof(it->reason));
	if (fd < 0)
		return fd;
	if (it->file_ino == 0) {
		it->file_dev = (uint64_t)st.st_dev;
		it->file_ino = (uint64_t)st.st_ino;
		it->learned = true;
	}
	if (it->vhdfs) {
		/* Dynamic and differencing: the loop device goes over istmd-vhdfs's
		 * raw file, which serves the image (docs/vhd-serving.md). */
		int raw = -1;
		bool started = false;
		int rc = j->vc != NULL ? serve_vhdfs(j, it, fd, &st, &raw, &started) : -EMEDIUMTYPE;
		close(fd);
		if (rc < 0)
			return rc;
		if (started)
			log_notice("disk %" PRIu32 ": istmd-vhdfs %ld serves %s", it->wtd,
				   (long)it->vhdfs_pid, it->path);
		fd = raw;
	}
	int rc = j->ops->ensure(fd, it->path, it->size, 0, it->dev);
	close(fd); /* the loop device holds the file now */
	if (rc == 0 && it->dev->size != it->size)
		rc = -EIO;
	if (rc < 0)
		note(it->reason, sizeof(it->reason), "cannot attach a loop device to", it->path, rc);
	return rc;
}

/* Whether any device of LIST is over DEV/INO (of SIZELIMIT, 0: any). */
static bool listed(const struct loopdev *list, size_t n, dev_t dev, ino_t ino, uint64_t sizelimit)
{
	for (size_t i = 0; i < n; i++)
		if (list[i].backing_dev == dev && list[i].backing_ino == ino && list[i].offset == 0 &&
		    (sizelimit == 0 || list[i].sizelimit == sizelimit))
			return true;
	return false;
}

void loop_job_run(void *arg)
{
	struct loop_job *j = arg;
	/* A full pass asks to detach every unmapped disk: with thousands of
	 * disks, looking for each one's devices by scanning every loop device
	 * is O(disks x devices). One scan, then only files that have a device
	 * go the per-file way. */
	struct loopdev *all = NULL;
	size_t n_all = 0;
	size_t n_detach = 0;
	for (size_t i = 0; i < j->n; i++)
		n_detach += !j->items[i].attach && !j->items[i].have_dev;
	bool have_list = n_detach > 1 && j->ops->list != NULL && j->ops->list(&all, &n_all) == 0;
	for (size_t i = 0; i < j->n; i++) {
		struct loop_item *it = &j->items[i];
		it->reason[0] = '\0';
		dev_t dev;
		ino_t ino;
		if (it->attach)
			it->rc = attach(j, it);
		else if (have_list && !it->have_dev &&
			 (file_identity(j->sp, it->path, it->file_dev, it->file_ino, NULL, &dev,
					&ino) < 0 ||
			  !listed(all, n_all, dev, ino, it->size)))
			it->rc = 0; /* no device over it: nothing to detach */
		else
			it->rc = detach_file(j->ops, j->sp, it->path, it->file_dev, it->file_ino,
					     it->size, it->have_dev ? it->dev : NULL, it->reason,
					     sizeof(it->reason));
		if (!it->attach && it->rc == 0 && it->vhdfs)
			stop_vhdfs(j->vc, j->sp, it->path, it->file_dev, it->file_ino);
	}
	free(all);
}

void intent_job_run(void *arg)
{
	struct intent_job *j = arg;
	j->reason[0] = '\0';
	uint64_t sizelimit = j->kind == INTENT_GROW ? j->old_size : 0;
	j->rc = detach_file(j->ops, j->sp, j->path, j->file_dev, j->file_ino, sizelimit,
			    j->have_loop ? &j->loop : NULL, j->reason, sizeof(j->reason));
	if (j->rc == 0) /* a dynamic disk's server lets go of the file too */
		stop_vhdfs(j->vc, j->sp, j->path, j->file_dev, j->file_ino);
	if (j->rc < 0 || j->kind != INTENT_DELETE_DISK || !j->delete_file)
		return;
	/* Only the disk's own file is deleted: whatever else is found at its
	 * name (another file, a symlink on the path) stays, with a warning. */
	struct stat st;
	char why[512];
	int fd = open_disk_file(j->sp, j->path, O_PATH, j->file_dev, j->file_ino, &st, why,
				sizeof(why));
	if (fd >= 0)
		close(fd);
	else if (fd == -ESTALE && j->file_ino != 0) {
		log_warn("deleting disk file: %s; left in place", why);
		return;
	}
	struct storage_path *p = NULL;
	int rc = storage_path_parse(j, j->sp, j->path, &p);
	if (rc == 0)
		rc = storage_path_unlink(p);
	if (rc < 0 && rc != -ENOENT) {
		note(j->reason, sizeof(j->reason), "cannot delete", j->path, rc);
		j->rc = rc;
	}
}

void dns_job_run(void *arg)
{
	struct dns_job *j = arg;
	for (size_t i = 0; i < j->n; i++) {
		struct dns_name *d = &j->names[i];
		struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
		struct addrinfo *res = NULL;
		d->rc = getaddrinfo(d->name, NULL, &hints, &res);
		d->n_addrs = 0;
		if (d->rc != 0)
			continue;
		size_t count = 0;
		for (struct addrinfo *a = res; a != NULL; a = a->ai_next)
			count++;
		d->addrs = talloc_zero_array(j, char *, count + 1);
		for (struct addrinfo *a = res; d->addrs != NULL && a != NULL; a = a->ai_next) {
			char buf[INET6_ADDRSTRLEN];
			const void *bin = a->ai_family == AF_INET
						  ? (const void *)&((struct sockaddr_in *)a->ai_addr)->sin_addr
						  : (const void *)&((struct sockaddr_in6 *)a->ai_addr)->sin6_addr;
			if ((a->ai_family != AF_INET && a->ai_family != AF_INET6) ||
			    inet_ntop(a->ai_family, bin, buf, sizeof(buf)) == NULL)
				continue;
			bool dup = false;
			for (size_t k = 0; k < d->n_addrs && !dup; k++)
				dup = strcmp(d->addrs[k], buf) == 0;
			if (!dup && (d->addrs[d->n_addrs] = talloc_strdup(d->addrs, buf)) != NULL)
				d->n_addrs++;
		}
		freeaddrinfo(res);
	}
}
