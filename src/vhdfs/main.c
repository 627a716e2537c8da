/* istmd-vhdfs: serves one VHD image (any type) as a raw file through FUSE,
 * for a loop device and the iSCSI target on top (docs/vhd-serving.md).
 *
 *   istmd-vhdfs --fd N --path POSIX --mount DIR [--root L=PATH]...
 *               [--max-depth N] [--bitmap-cache N] [--pidfile F] [--ready-fd N]
 *
 * The image arrives as descriptor N, opened read-write by istmd beneath its
 * storage root; POSIX is its path there (for relative parent locators).
 * Parents are found through the roots given by --root (the same drive
 * letters as istmd's) and opened read-only. DIR/disk is the raw file: its
 * size is the virtual size, reads and writes go through vhd_io, fsync (and
 * close) makes completed writes durable (vhd_io_flush).
 *
 * A separate process so that an istmd restart does not touch the I/O path:
 * istmd starts it in its own session and finds it again by its pid file.
 * When ready (mounted, pid file written) it writes one byte to --ready-fd.
 * SIGTERM: unmounts, flushes and exits 0. */
#define FUSE_USE_VERSION 312
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/storage_paths.h"
#include "backend/vhd_io.h"
#include "backend/vhd_parent.h"

#define DISK_NAME "disk"

static struct vhd_io *g_io;
static uint64_t g_size;

static void *vf_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	cfg->direct_io = 1;       /* no page cache: the loop device above has none either */
	cfg->use_ino = 1;
	cfg->attr_timeout = 3600; /* the size never changes while mounted */
	cfg->entry_timeout = 3600;
	if (conn->max_write < (1u << 20))
		conn->max_write = 1u << 20;
	return NULL;
}

static int vf_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	(void)fi;
	memset(st, 0, sizeof(*st));
	if (strcmp(path, "/") == 0) {
		st->st_mode = S_IFDIR | 0700;
		st->st_nlink = 2;
		st->st_ino = 1;
		return 0;
	}
	if (strcmp(path, "/" DISK_NAME) == 0) {
		st->st_mode = S_IFREG | 0600;
		st->st_nlink = 1;
		st->st_ino = 2;
		st->st_size = (off_t)g_size;
		st->st_blocks = (blkcnt_t)(g_size / 512);
		st->st_blksize = 4096;
		return 0;
	}
	return -ENOENT;
}

static int vf_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	(void)off;
	(void)fi;
	(void)flags;
	if (strcmp(path, "/") != 0)
		return -ENOENT;
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	fill(buf, DISK_NAME, NULL, 0, 0);
	return 0;
}

static int vf_open(const char *path, struct fuse_file_info *fi)
{
	if (strcmp(path, "/" DISK_NAME) != 0)
		return -ENOENT;
	fi->direct_io = 1;
	fi->keep_cache = 0;
	return 0;
}

static int vf_read(const char *path, char *buf, size_t len, off_t off, struct fuse_file_info *fi)
{
	(void)path;
	(void)fi;
	if (off < 0)
		return -EINVAL;
	if ((uint64_t)off >= g_size)
		return 0;
	if (len > g_size - (uint64_t)off)
		len = (size_t)(g_size - (uint64_t)off);
	int r = vhd_io_pread(g_io, buf, len, (uint64_t)off);
	return r < 0 ? r : (int)len;
}

static int vf_write(const char *path, const char *buf, size_t len, off_t off,
		    struct fuse_file_info *fi)
{
	(void)path;
	(void)fi;
	if (off < 0 || (uint64_t)off > g_size || len > g_size - (uint64_t)off)
		return -ENOSPC; /* a disk does not grow by writing past its end */
	int r = vhd_io_pwrite(g_io, buf, len, (uint64_t)off);
	if (r < 0)
		fprintf(stderr, "istmd-vhdfs: write of %zu bytes at %lld: %s\n", len, (long long)off,
			strerror(-r));
	return r < 0 ? r : (int)len;
}

static int vf_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	(void)path;
	(void)datasync;
	(void)fi;
	return vhd_io_flush(g_io);
}

static int vf_flush(const char *path, struct fuse_file_info *fi)
{
	return vf_fsync(path, 1, fi);
}

static int vf_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	(void)fi;
	if (strcmp(path, "/" DISK_NAME) != 0)
		return -ENOENT;
	return (uint64_t)size == g_size ? 0 : -EPERM;
}

static const struct fuse_operations ops = {
	.init = vf_init,
	.getattr = vf_getattr,
	.readdir = vf_readdir,
	.open = vf_open,
	.read = vf_read,
	.write = vf_write,
	.fsync = vf_fsync,
	.flush = vf_flush,
	.truncate = vf_truncate,
};

static int write_pidfile(const char *path)
{
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "we");
	if (f == NULL)
		return -errno;
	fprintf(f, "%ld\n", (long)getpid());
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	return rename(tmp, path) < 0 ? -errno : 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: istmd-vhdfs --fd N --path POSIX --mount DIR [--root L=PATH]... "
			"[--max-depth N] [--bitmap-cache N] [--pidfile F] [--ready-fd N]\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "fd", required_argument, NULL, 'f' },
		{ "path", required_argument, NULL, 'p' },
		{ "mount", required_argument, NULL, 'm' },
		{ "root", required_argument, NULL, 'r' },
		{ "max-depth", required_argument, NULL, 'd' },
		{ "bitmap-cache", required_argument, NULL, 'c' },
		{ "pidfile", required_argument, NULL, 'P' },
		{ "ready-fd", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	TALLOC_CTX *mem = talloc_new(NULL);
	int fd = -1, ready = -1;
	const char *path = NULL, *mnt = NULL, *pidfile = NULL;
	const char *roots[27] = { NULL }, *letters[27] = { NULL };
	unsigned nroots = 0;
	struct vhd_io_options opt = { .writable = true };
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': fd = atoi(optarg); break;
		case 'p': path = optarg; break;
		case 'm': mnt = optarg; break;
		case 'r': {
			const char *eq = strchr(optarg, '=');
			if (eq == NULL || nroots >= 26) {
				usage();
				return 2;
			}
			letters[nroots] = optarg;
			roots[nroots++] = eq + 1;
			break;
		}
		case 'd': opt.max_depth = (unsigned)atoi(optarg); break;
		case 'c': opt.bitmap_cache = (unsigned)atoi(optarg); break;
		case 'P': pidfile = optarg; break;
		case 'R': ready = atoi(optarg); break;
		default:
			usage();
			return 2;
		}
	}
	if (fd < 0 || path == NULL || mnt == NULL || nroots == 0) {
		usage();
		return 2;
	}

	struct storage_paths *sp = NULL;
	char *err = NULL;
	if (storage_paths_new(mem, roots, letters, &sp, &err) != 0) {
		fprintf(stderr, "istmd-vhdfs: storage roots: %s\n", err ? err : "?");
		return 1;
	}
	struct vhd_parent_resolver *res = talloc_zero(mem, struct vhd_parent_resolver);
	int r = res ? vhd_parent_resolver_init(res, res, sp, path) : -ENOMEM;
	if (r < 0) {
		fprintf(stderr, "istmd-vhdfs: %s: %s\n", path, strerror(-r));
		return 1;
	}
	opt.open_parent = vhd_parent_open;
	opt.open_parent_arg = res;
	char reason[VHD_REASON_LEN];
	r = vhd_io_open(mem, fd, &opt, &g_io, reason);
	if (r < 0) {
		fprintf(stderr, "istmd-vhdfs: %s: %s\n", path, reason);
		return 1;
	}
	g_size = vhd_io_size(g_io);

	char *fargv[] = { argv[0], "-o", "fsname=istmd-vhdfs,subtype=vhd", NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, fargv);
	struct fuse *f = fuse_new(&args, &ops, sizeof(ops), NULL);
	fuse_opt_free_args(&args); /* fuse_new copies what it keeps */
	if (f == NULL) {
		fprintf(stderr, "istmd-vhdfs: fuse_new failed\n");
		return 1;
	}
	if (fuse_mount(f, mnt) != 0) {
		fprintf(stderr, "istmd-vhdfs: cannot mount on %s\n", mnt);
		fuse_destroy(f);
		return 1;
	}
	struct fuse_session *se = fuse_get_session(f);
	if (fuse_set_signal_handlers(se) != 0) {
		fuse_unmount(f);
		fuse_destroy(f);
		return 1;
	}
	if (pidfile != NULL && (r = write_pidfile(pidfile)) < 0)
		fprintf(stderr, "istmd-vhdfs: pid file %s: %s\n", pidfile, strerror(-r));
	if (ready >= 0) {
		(void)!write(ready, "1", 1);
		close(ready);
	}
	fprintf(stderr, "istmd-vhdfs: serving %s (%s, %" PRIu64 " bytes, chain of %u) on %s/" DISK_NAME
			"\n", path, vhd_type_name(vhd_io_type(g_io)), g_size, vhd_io_depth(g_io), mnt);

	struct fuse_loop_config *lc = fuse_loop_cfg_create();
	fuse_loop_cfg_set_max_threads(lc, 16);
	fuse_loop_cfg_set_idle_threads(lc, 8);
	r = fuse_loop_mt(f, lc);
	fuse_loop_cfg_destroy(lc);
	fuse_remove_signal_handlers(se);
	fuse_unmount(f);
	fuse_destroy(f);
	int fr = vhd_io_flush(g_io);
	if (fr < 0)
		fprintf(stderr, "istmd-vhdfs: final flush: %s\n", strerror(-fr));
	talloc_free(mem);
	if (pidfile != NULL)
		unlink(pidfile);
	return r == 0 && fr == 0 ? 0 : 1;
}
