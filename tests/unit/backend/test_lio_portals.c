/* SetPortalConfig on LIO (lio_portals.c) against a directory tree shaped
 * like configfs: a listener switched off leaves every owned TPG's np, one
 * switched on comes back to the TPGs on the default listeners (not to a
 * target with portals of its own), a target not applied since the start
 * only loses switched-off listeners, a foreign WWN is never touched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/lio_internal.h"

#define DEF "iqn.2026-12.org.example:default"
#define OWN "iqn.2026-12.org.example:own"
#define UNK "iqn.2026-12.org.example:unknown"
#define FOREIGN "iqn.2026-12.org.example:foreign"

static char root[] = "/tmp/test_lio_portals.XXXXXX";

static void mk(const char *iqn, const char *np)
{
	char path[512];
	const char *parts[] = { "iscsi", iqn, "tpgt_1", "np", np };
	snprintf(path, sizeof(path), "%s", root);
	for (size_t i = 0; i < 5 && parts[i] != NULL; i++) {
		strncat(path, "/", sizeof(path) - strlen(path) - 1);
		strncat(path, parts[i], sizeof(path) - strlen(path) - 1);
		mkdir(path, 0700);
	}
}

static bool has(const char *iqn, const char *np)
{
	char path[512];
	struct stat st;
	snprintf(path, sizeof(path), "%s/iscsi/%s/tpgt_1/np/%s", root, iqn, np);
	return stat(path, &st) == 0;
}

static size_t count(const char *iqn)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "ls %s/iscsi/%s/tpgt_1/np | wc -l", root, iqn);
	FILE *f = popen(cmd, "r");
	size_t n = 0;
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%zu", &n), 1);
	pclose(f);
	return n;
}

static bool live_has(const struct iscsi_portal *live, size_t n, const char *a, uint16_t port)
{
	for (size_t i = 0; i < n; i++)
		if (live[i].port == port && strcmp(live[i].address, a) == 0)
			return true;
	return false;
}

static void test_switches(void **unused)
{
	(void)unused;
	TALLOC_CTX *mem = talloc_new(NULL);
	assert_non_null(mkdtemp(root));
	char owned[600];
	snprintf(owned, sizeof(owned), "%s/lio-owned", root);
	struct lio_ctx ctx = { .root = root, .hba = "fileio_4242", .owned = owned };
	mk(DEF, "10.0.2.15:3260");
	mk(OWN, "10.0.2.15:3261");
	mk(OWN, "10.0.2.15:3260");
	mk(UNK, "10.0.2.15:3260");
	mk(UNK, "192.0.2.1:3260");
	mk(FOREIGN, "10.0.2.15:3260");
	assert_int_equal(lio_owned_set(&ctx, DEF, true), 0);
	assert_int_equal(lio_owned_set(&ctx, OWN, true), 0);
	assert_int_equal(lio_owned_set(&ctx, UNK, true), 0);

	struct iscsi_portal p3260 = { "10.0.2.15", 3260 }, p3261 = { "10.0.2.15", 3261 };
	struct iscsi_portal own_ps[] = { p3261, p3260 };
	struct lio_own_portals own[] = {
		{ DEF, NULL, 0 },
		{ OWN, own_ps, 2 },
	};
	/* 10.0.2.15:3260 switched off: no listener is left by default */
	struct lio_portal_plan off = { .listeners = NULL, .n_listeners = 0, .off = &p3260,
				       .n_off = 1, .own = own, .n_own = 2 };
	struct iscsi_portal *live = NULL;
	size_t n_live = 0;
	char *why = NULL;
	assert_int_equal(lio_portals(mem, &ctx, &off, &live, &n_live, &why), 0);
	assert_int_equal(count(DEF), 0);
	assert_true(has(OWN, "10.0.2.15:3261"));
	assert_int_equal(count(OWN), 1);
	assert_true(has(UNK, "192.0.2.1:3260"));
	assert_int_equal(count(UNK), 1);
	assert_true(has(FOREIGN, "10.0.2.15:3260")); /* never touched */
	assert_int_equal(n_live, 2);
	assert_true(live_has(live, n_live, "10.0.2.15", 3261));
	assert_true(live_has(live, n_live, "192.0.2.1", 3260));
	assert_false(live_has(live, n_live, "10.0.2.15", 3260));

	/* switched on again: back where the target wants it */
	struct lio_portal_plan on = { .listeners = &p3260, .n_listeners = 1, .own = own,
				      .n_own = 2 };
	assert_int_equal(lio_portals(mem, &ctx, &on, &live, &n_live, &why), 0);
	assert_true(has(DEF, "10.0.2.15:3260"));
	assert_int_equal(count(DEF), 1);
	assert_true(has(OWN, "10.0.2.15:3260") && has(OWN, "10.0.2.15:3261"));
	assert_int_equal(count(OWN), 2);
	assert_int_equal(count(UNK), 1); /* its portals are not known: not added */
	assert_true(live_has(live, n_live, "10.0.2.15", 3260));
	assert_int_equal(n_live, 3);

	/* the filter used by apply for a target's own portals */
	struct iscsi_portal *kept;
	size_t n_kept;
	assert_int_equal(lio_portals_filter(mem, own_ps, 2, &p3260, 1, &kept, &n_kept), 0);
	assert_int_equal(n_kept, 1);
	assert_int_equal(kept[0].port, 3261);

	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_switches),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
