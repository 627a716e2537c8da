/* B3/B4 client: MS-ISTM operations timed from outside, one connection
 * (sealed, NTLMv2), through the istmctl library (src/ctl/conn.c).
 *
 *   bench_scale --probe                       one IWTGeneral::Name; exit 0 if it works
 *   bench_scale --first-call SECONDS          retry --probe until it works; prints
 *                                             first_call_s=
 *   bench_scale --create-targets N [--start K] NewHost + Save each (name bK..);
 *                                             prints create_ms_avg= create_ms_last100=
 *   bench_scale --walk-hosts                  EnumHosts, then Next(1) + Name per target
 *   bench_scale --walk-disks                  EnumWTDisks, then Next(1) + DevicePath
 *   bench_scale --register-disks DIR N [--start K]  CreateWTDisk of DIR/dK.vhd ..
 *   bench_scale --create-file PATH BYTES      CreateWtFile (fixed), prints create_file_s=
 *
 * Connection settings come from the environment: BENCH_ADDR, BENCH_EPM,
 * BENCH_USER, BENCH_PASSWORD_FILE (bench_env.sh sets them). Every interface
 * pointer received is released at once (a console walking 10,000 targets
 * must not hit the per-client object quota). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ndr.h>

#include "bench_common.h"
#include "ctl/conn.h"
#include "ctl/options.h"
#include "dcom/client.h"
#include "idl/ndr_ms_istm.h"
#include "istmd/hresult.h"
#include "ndr/idl_interface.h"

static const char *env(const char *name, const char *def)
{
	const char *v = getenv(name);
	return v != NULL && v[0] != '\0' ? v : def;
}

static int open_conn(struct ctl_conn **c, bool quiet)
{
	static char server[128];
	struct ctl_options o;
	ctl_options_init(&o);
	snprintf(server, sizeof(server), "%s:%s", env("BENCH_ADDR", "127.0.17.1"),
		 env("BENCH_EPM", "17135"));
	o.server = server;
	o.user = env("BENCH_USER", "bench");
	o.password_file = env("BENCH_PASSWORD_FILE", NULL);
	if (quiet)
		o.timeout_ms = 2000;
	return ctl_conn_open(&o, "bench_scale", c);
}

static void drop(struct ctl_conn *c, struct dcom_iface *ip)
{
	uint32_t hr, fault;
	if (ip != NULL)
		dcom_client_release(ip, &hr, &fault);
	(void)c;
}

static int unmarshal(struct ctl_conn *c, struct MInterfacePointer *mip, struct dcom_iface **out)
{
	if (mip == NULL)
		return -EPROTO;
	return dcom_client_unmarshal(c->mem, c->client, mip, out);
}

static int probe(void)
{
	struct ctl_conn *c = NULL;
	struct dcom_iface *g;
	if (open_conn(&c, true) != 0)
		return 1;
	struct IWTGeneral_get_Name n = { 0 };
	int ret = ctl_manager(c, CTL_WT_GENERAL, &g);
	if (ret == 0)
		ret = ctl_call(c, g, &idl_iface_IWTGeneral, NDR_IWTGENERAL_GET_NAME, &n, "Name", NULL,
			       NULL);
	ctl_conn_close(c);
	return ret == 0 ? 0 : 1;
}

static int first_call(double limit)
{
	uint64_t t0 = bench_now_ns();
	while ((double)(bench_now_ns() - t0) / 1e9 < limit) {
		if (probe() == 0) {
			printf("first_call_s=%.3f\n", (double)(bench_now_ns() - t0) / 1e9);
			return 0;
		}
		usleep(10000);
	}
	printf("first_call_s=nan\n");
	return 1;
}

static int create_targets(unsigned n, unsigned start)
{
	struct ctl_conn *c;
	struct dcom_iface *mgr;
	int ret = open_conn(&c, false);
	if (ret == 0)
		ret = ctl_manager(c, CTL_HOST_MGR, &mgr);
	if (ret != 0)
		return 1;
	uint64_t t0 = bench_now_ns(), tl = t0;
	unsigned last = n < 100 ? n : 100;
	for (unsigned i = 0; i < n && ret == 0; i++) {
		if (i == n - last)
			tl = bench_now_ns();
		TALLOC_CTX *tmp = talloc_new(c->mem);
		char *name = talloc_asprintf(tmp, "b%u", start + i);
		struct IHostMgr_NewHost r = { .in.HostName = name };
		struct dcom_iface *host = NULL;
		ret = ctl_call(c, mgr, &idl_iface_IHostMgr, NDR_IHOSTMGR_NEWHOST, &r, "NewHost", name,
			       NULL);
		if (ret == 0)
			ret = unmarshal(c, *r.out.ppNewHost, &host);
		struct IHost_Save s = { 0 };
		if (ret == 0)
			ret = ctl_call(c, host, &idl_iface_IHost, NDR_IHOST_SAVE, &s, "Save", name,
				       NULL);
		drop(c, host);
		talloc_free(tmp);
	}
	uint64_t t1 = bench_now_ns();
	if (ret == 0)
		printf("created=%u create_ms_avg=%.2f create_ms_last%u=%.2f\n", n,
		       (double)(t1 - t0) / 1e6 / n, last, (double)(t1 - tl) / 1e6 / last);
	ctl_conn_close(c);
	return ret == 0 ? 0 : 1;
}

static int walk(bool disks)
{
	struct ctl_conn *c;
	struct dcom_iface *mgr, *en = NULL;
	int ret = open_conn(&c, false);
	if (ret == 0)
		ret = ctl_manager(c, disks ? CTL_DISK_MGR : CTL_HOST_MGR, &mgr);
	if (ret != 0)
		return 1;
	uint64_t t0 = bench_now_ns();
	if (disks) {
		struct IWTDiskMgr_EnumWTDisks e = { 0 };
		ret = ctl_call(c, mgr, &idl_iface_IWTDiskMgr, NDR_IWTDISKMGR_ENUMWTDISKS, &e,
			       "EnumWTDisks", NULL, NULL);
		if (ret == 0)
			ret = unmarshal(c, *e.out.ppEnumWTDisk, &en);
	} else {
		struct IHostMgr_EnumHosts e = { 0 };
		ret = ctl_call(c, mgr, &idl_iface_IHostMgr, NDR_IHOSTMGR_ENUMHOSTS, &e, "EnumHosts",
			       NULL, NULL);
		if (ret == 0)
			ret = unmarshal(c, *e.out.ppEnumHost, &en);
	}
	unsigned count = 0;
	while (ret == 0) {
		TALLOC_CTX *tmp = talloc_new(c->mem);
		struct MInterfacePointer *in = NULL;
		uint32_t hr = 0, fault = 0;
		struct dcom_iface *item = NULL;
		struct MInterfacePointer *got = NULL;
		if (disks) {
			struct IEnumWTDisk_Next r = { .in.ulNumElements = 1, .in.pElements = &in };
			ret = dcom_client_call(en, tmp, &ndr_table_IEnumWTDisk, NDR_IENUMWTDISK_NEXT,
					       &r, &fault);
			hr = ret == 0 ? r.out.result : 0;
			got = ret == 0 && hr == 0 && r.out.pElements ? r.out.pElements[0] : NULL;
		} else {
			struct IEnumHost_Next r = { .in.ulNumElements = 1, .in.pElements = &in };
			ret = dcom_client_call(en, tmp, &ndr_table_IEnumHost, NDR_IENUMHOST_NEXT, &r,
					       &fault);
			hr = ret == 0 ? r.out.result : 0;
			got = ret == 0 && hr == 0 && r.out.pElements ? r.out.pElements[0] : NULL;
		}
		if (ret != 0 || got == NULL) {
			talloc_free(tmp);
			break;
		}
		ret = unmarshal(c, got, &item);
		if (ret == 0 && disks) {
			struct IWTDisk_get_DevicePath p = { 0 };
			ret = dcom_client_call(item, tmp, &ndr_table_IWTDisk, NDR_IWTDISK_GET_DEVICEPATH,
					       &p, &fault);
		} else if (ret == 0) {
			struct IHost_get_Name p = { 0 };
			ret = dcom_client_call(item, tmp, &ndr_table_IHost, NDR_IHOST_GET_NAME, &p,
					       &fault);
		}
		drop(c, item);
		talloc_free(tmp);
		count++;
	}
	uint64_t t1 = bench_now_ns();
	drop(c, en);
	if (ret == 0)
		printf("walked=%u walk_s=%.3f\n", count, (double)(t1 - t0) / 1e9);
	else
		fprintf(stderr, "bench_scale: walk failed after %u: %s\n", count, strerror(-ret));
	ctl_conn_close(c);
	return ret == 0 ? 0 : 1;
}

static int register_disks(const char *dir, unsigned n, unsigned start)
{
	struct ctl_conn *c;
	struct dcom_iface *mgr;
	int ret = open_conn(&c, false);
	if (ret == 0)
		ret = ctl_manager(c, CTL_DISK_MGR, &mgr);
	if (ret != 0)
		return 1;
	uint64_t t0 = bench_now_ns();
	for (unsigned i = 0; i < n && ret == 0; i++) {
		TALLOC_CTX *tmp = talloc_new(c->mem);
		struct IWTDiskMgr_CreateWTDisk r = {
			.in.eDeviceType = WTDTypeFileBased,
			.in.DevicePath = talloc_asprintf(tmp, "%s/d%u.vhd", dir, start + i),
			.in.Description = "",
		};
		ret = ctl_call(c, mgr, &idl_iface_IWTDiskMgr, NDR_IWTDISKMGR_CREATEWTDISK, &r,
			       "CreateWTDisk", r.in.DevicePath, NULL);
		talloc_free(tmp);
	}
	if (ret == 0)
		printf("registered=%u register_ms_avg=%.2f\n", n,
		       (double)(bench_now_ns() - t0) / 1e6 / n);
	ctl_conn_close(c);
	return ret == 0 ? 0 : 1;
}

static int create_file(const char *path, uint64_t bytes)
{
	struct ctl_conn *c;
	struct dcom_iface *ldm;
	int ret = open_conn(&c, false);
	if (ret == 0)
		ret = ctl_manager(c, CTL_LOCAL_DEVICE, &ldm);
	if (ret != 0)
		return 1;
	uint64_t t0 = bench_now_ns();
	struct ILocalDeviceMgr_CreateWtFile r = { .in.FilePath = path,
						   .in.hyFileSize = (int64_t)bytes,
						   .in.bSparse = 0 };
	ret = ctl_call(c, ldm, &idl_iface_ILocalDeviceMgr, NDR_ILOCALDEVICEMGR_CREATEWTFILE, &r,
		       "CreateWtFile", path, NULL);
	if (ret == 0)
		printf("create_file_s=%.3f\n", (double)(bench_now_ns() - t0) / 1e9);
	ctl_conn_close(c);
	return ret == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "--probe") == 0)
		return probe();
	if (argc >= 3 && strcmp(argv[1], "--first-call") == 0)
		return first_call(atof(argv[2]));
	if (argc >= 3 && strcmp(argv[1], "--create-targets") == 0)
		return create_targets((unsigned)atoi(argv[2]),
				      argc >= 5 && strcmp(argv[3], "--start") == 0
					      ? (unsigned)atoi(argv[4])
					      : 0);
	if (argc >= 2 && strcmp(argv[1], "--walk-hosts") == 0)
		return walk(false);
	if (argc >= 2 && strcmp(argv[1], "--walk-disks") == 0)
		return walk(true);
	if (argc >= 4 && strcmp(argv[1], "--register-disks") == 0)
		return register_disks(argv[2], (unsigned)atoi(argv[3]),
				      argc >= 6 && strcmp(argv[4], "--start") == 0
					      ? (unsigned)atoi(argv[5])
					      : 0);
	if (argc >= 4 && strcmp(argv[1], "--create-file") == 0)
		return create_file(argv[2], strtoull(argv[3], NULL, 10));
	fprintf(stderr, "usage: see the comment at the top of tests/bench/bench_scale.c\n");
	return 2;
}
