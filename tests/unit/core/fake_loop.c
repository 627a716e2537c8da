#include "fake_loop.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_DEVS 256

struct dev {
	int number;
	uint64_t size;
	unsigned long long dev, ino;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char state[4096];
static int fail_n, fail_rc;

static int load(struct dev *devs)
{
	FILE *f = fopen(state, "r");
	int n = 0;
	if (f == NULL)
		return 0;
	while (n < MAX_DEVS && fscanf(f, "%d %" SCNu64 " %llu %llu\n", &devs[n].number, &devs[n].size,
				      &devs[n].dev, &devs[n].ino) == 4)
		n++;
	fclose(f);
	return n;
}

static void save(const struct dev *devs, int n)
{
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp", state);
	FILE *f = fopen(tmp, "w");
	if (f == NULL)
		abort();
	for (int i = 0; i < n; i++)
		fprintf(f, "%d %" PRIu64 " %llu %llu\n", devs[i].number, devs[i].size, devs[i].dev,
			devs[i].ino);
	fclose(f);
	rename(tmp, state);
}

void fake_loop_init(const char *file)
{
	snprintf(state, sizeof(state), "%s", file);
	save(NULL, 0);
	fail_n = 0;
}

static void fill(const struct dev *d, const char *file, struct loopdev *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->path, sizeof(out->path), "/dev/fake-loop%d", d->number);
	out->number = d->number;
	out->size = d->size;
	out->sizelimit = d->size;
	out->direct_io = true;
	out->backing_dev = (dev_t)d->dev;
	out->backing_ino = (ino_t)d->ino;
	snprintf(out->backing_file, sizeof(out->backing_file), "%s", file ? file : "");
}

static int find_locked(unsigned long long dev, unsigned long long ino, uint64_t size,
		       struct loopdev *out, struct dev *devs, int n)
{
	for (int i = 0; i < n; i++)
		if (devs[i].dev == dev && devs[i].ino == ino && (size == 0 || devs[i].size == size)) {
			fill(&devs[i], NULL, out);
			return 0;
		}
	return -ENOENT;
}

static int fl_find(dev_t dev, ino_t ino, uint64_t size, struct loopdev *out)
{
	struct dev devs[MAX_DEVS];
	pthread_mutex_lock(&lock);
	int rc = find_locked((unsigned long long)dev, (unsigned long long)ino, size, out, devs,
			     load(devs));
	pthread_mutex_unlock(&lock);
	return rc;
}

/* Like the real one: the file is the descriptor's, whatever its name. */
static int fl_ensure(int fd, const char *name, uint64_t size, unsigned flags, struct loopdev *out)
{
	struct dev devs[MAX_DEVS];
	struct stat st;
	if (fstat(fd, &st) != 0)
		return -errno;
	pthread_mutex_lock(&lock);
	int n = load(devs);
	int rc;
	if (fail_n > 0) {
		fail_n--;
		rc = fail_rc;
	} else if ((rc = find_locked((unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
				     size, out, devs, n)) == -ENOENT) {
		if (!S_ISREG(st.st_mode)) {
			rc = -EINVAL;
		} else if ((uint64_t)st.st_size < size) {
			rc = -ERANGE;
		} else {
			int number = 0;
			for (int i = 0; i < n; i++)
				if (devs[i].number >= number)
					number = devs[i].number + 1;
			devs[n] = (struct dev){ number, size, (unsigned long long)st.st_dev,
						(unsigned long long)st.st_ino };
			fill(&devs[n], name, out);
			save(devs, n + 1);
			rc = 0;
		}
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

static int number_of(const char *dev)
{
	const char *p = strstr(dev, "fake-loop");
	return p ? atoi(p + 9) : -1;
}

static int fl_info(const char *dev, struct loopdev *out)
{
	struct dev devs[MAX_DEVS];
	pthread_mutex_lock(&lock);
	int n = load(devs), rc = -ENXIO;
	for (int i = 0; i < n; i++)
		if (devs[i].number == number_of(dev)) {
			fill(&devs[i], NULL, out);
			rc = 0;
		}
	pthread_mutex_unlock(&lock);
	return rc;
}

static int fl_detach(const char *dev)
{
	struct dev devs[MAX_DEVS];
	pthread_mutex_lock(&lock);
	int n = load(devs), k = 0, rc = -ENXIO;
	for (int i = 0; i < n; i++) {
		if (devs[i].number == number_of(dev))
			rc = 0;
		else
			devs[k++] = devs[i];
	}
	save(devs, k);
	pthread_mutex_unlock(&lock);
	return rc;
}

unsigned fake_loop_count(void)
{
	struct dev devs[MAX_DEVS];
	pthread_mutex_lock(&lock);
	int n = load(devs);
	pthread_mutex_unlock(&lock);
	return (unsigned)n;
}

unsigned fake_loop_count_over(const char *file, uint64_t size)
{
	struct dev devs[MAX_DEVS];
	struct stat st;
	if (stat(file, &st) != 0)
		return 0;
	pthread_mutex_lock(&lock);
	int n = load(devs);
	unsigned c = 0;
	for (int i = 0; i < n; i++)
		if (devs[i].ino == (unsigned long long)st.st_ino && (size == 0 || devs[i].size == size))
			c++;
	pthread_mutex_unlock(&lock);
	return c;
}

void fake_loop_fail_next(int n, int rc)
{
	pthread_mutex_lock(&lock);
	fail_n = n;
	fail_rc = rc;
	pthread_mutex_unlock(&lock);
}

const struct core_loop_ops fake_loop_ops = {
	.ensure = fl_ensure,
	.find = fl_find,
	.info = fl_info,
	.detach = fl_detach,
};
