/* The reconciler's blocking work, for the io pool: loop devices, DNS names,
 * and the file side of intents (reconcile_jobs.h). */
#include "core/reconcile_jobs.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "backend/storage_paths.h"

#define MAX_LOOPS_PER_FILE 16

static void note(char *reason, size_t size, const char *what, const char *path, int rc)
{
	snprintf(reason, size, "%s %s: %s", what, path, strerror(-rc));
}

/* Detaches every loop device over PATH (of SIZELIMIT, 0: any), and DEV first
 * if given and still over the same file. 0 or a negative errno. */
static int detach_file(const struct core_loop_ops *ops, const char *path, uint64_t sizelimit,
		       const struct loopdev *dev, char *reason, size_t size)
{
	if (dev != NULL) {
		struct loopdev now;
		if (ops->info(dev->path, &now) == 0 && now.backing_dev == dev->backing_dev &&
		    now.backing_ino == dev->backing_ino) {
			int rc = ops->detach(dev->path);
			if (rc < 0 && rc != -ENXIO) {
				note(reason, size, "cannot detach the loop device of", path, rc);
				return rc;
			}
		}
	}
	char last[sizeof(dev->path)] = "";
	for (int i = 0; i < MAX_LOOPS_PER_FILE; i++) {
		struct loopdev found;
		int rc = ops->find(path, sizelimit, &found);
		if (rc == -ENOENT)
			return 0; /* none left, or the file is gone (then so is our record) */
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

void loop_job_run(void *arg)
{
	struct loop_job *j = arg;
	for (size_t i = 0; i < j->n; i++) {
		struct loop_item *it = &j->items[i];
		it->reason[0] = '\0';
		if (it->attach) {
			it->rc = j->ops->ensure(it->path, it->size, 0, &it->dev);
			if (it->rc == 0 && it->dev.size != it->size)
				it->rc = -EIO;
			if (it->rc < 0)
				note(it->reason, sizeof(it->reason), "cannot attach a loop device to",
				     it->path, it->rc);
		} else {
			it->rc = detach_file(j->ops, it->path, it->size, it->have_dev ? &it->dev : NULL,
					     it->reason, sizeof(it->reason));
		}
	}
}

void intent_job_run(void *arg)
{
	struct intent_job *j = arg;
	j->reason[0] = '\0';
	uint64_t sizelimit = j->kind == INTENT_GROW ? j->old_size : 0;
	j->rc = detach_file(j->ops, j->path, sizelimit, j->have_loop ? &j->loop : NULL, j->reason,
			    sizeof(j->reason));
	if (j->rc < 0 || j->kind != INTENT_DELETE_DISK || !j->delete_file)
		return;
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
