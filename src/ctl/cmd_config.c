/* istmctl config export [--with-secrets] and istmctl config import FILE
 * [--dry-run]: the whole desired state (disks, targets with their
 * properties, initiators, LUN mappings and CHAP) as one JSON document, like
 * targetcli's saveconfig/restoreconfig. Export reads everything through the
 * calls `target show` and `disk list` use; CHAP secrets (IHost CHAPSecret,
 * MS-ISTM 3.21.4.18) only with --with-secrets, each one left out reported on
 * standard error. Import is import_apply.h: equal objects are kept, so
 * importing twice changes nothing the second time. */
#include "ctl/cmd_config.h"

#include <stdio.h>
#include <string.h>

#include "ctl/cmd_common.h"
#include "ctl/errors.h"
#include "ctl/import_apply.h"
#include "ctl/model.h"
#include "ctl/remote.h"
#include "idl/ndr_ms_istm.h"

enum { OPT_WITH_SECRETS = 1, OPT_DRY_RUN };

static struct {
	bool with_secrets;
	bool dry_run;
	struct imp_state *state;
} opt;

static bool set_option(int o, const char *arg)
{
	(void)arg;
	switch (o) {
	case OPT_WITH_SECRETS: opt.with_secrets = true; return true;
	case OPT_DRY_RUN: opt.dry_run = true; return true;
	default: return false;
	}
}

static const char *disk_path(const struct ctl_disk *d, size_t n, uint32_t wtd)
{
	for (size_t i = 0; i < n; i++) {
		if (d[i].wtd == wtd)
			return d[i].path;
	}
	return NULL;
}

/* The secrets of target NAME, when asked for. */
static int secrets(struct ctl_conn *c, const char *name, struct imp_target *t)
{
	struct dcom_iface *host;
	const char *s = ctl_quote(c, name);
	int ret = ctl_target_open(c, name, &host);
	if (ret == 0 && t->chap.user != NULL) {
		struct IHost_get_CHAPSecret g = { 0 };
		ret = ctl_call(c, host, &idl_iface_IHost, NDR_IHOST_GET_CHAPSECRET, &g, "CHAPSecret",
			       s, NULL);
		if (ret == 0)
			t->chap.secret = *g.out.pSecret;
	}
	if (ret == 0 && t->mutual.user != NULL) {
		struct IHost_get_ReverseCHAPSecret g = { 0 };
		ret = ctl_call(c, host, &idl_iface_IHost, NDR_IHOST_GET_REVERSECHAPSECRET, &g,
			       "ReverseCHAPSecret", s, NULL);
		if (ret == 0)
			t->mutual.secret = *g.out.pSecret;
	}
	return ret;
}

static int export(struct ctl_conn *c, const struct ctl_options *o, char **args, int n)
{
	(void)o;
	(void)args;
	(void)n;
	struct ctl_target *targets;
	struct ctl_disk *disks;
	size_t n_targets, n_disks;
	struct imp_state *s = imp_state_new(c, "istmd");
	int ret = s ? ctl_target_list(c, &targets, &n_targets) : CTL_EXIT_FAILURE;
	if (ret == 0)
		ret = ctl_disk_list(c, &disks, &n_disks);
	for (size_t i = 0; ret == 0 && i < n_disks; i++)
		ret = imp_disk_add(s, disks[i].path, disks[i].description) ? CTL_EXIT_FAILURE : 0;
	for (size_t i = 0; ret == 0 && i < n_targets; i++) {
		const struct ctl_target *h = &targets[i];
		struct imp_target *t = imp_target_add(s, h->iqn);
		if (t == NULL)
			return CTL_EXIT_FAILURE;
		t->name = h->name;
		t->description = h->description;
		t->enabled = h->enabled;
		for (size_t j = 0; j < h->n_initiators; j++)
			imp_initiator_add(t, h->initiators[j].method, h->initiators[j].value);
		for (size_t j = 0; j < h->n_luns; j++) {
			const char *path = disk_path(disks, n_disks, h->luns[j].wtd);
			if (path != NULL)
				imp_lun_add(t, h->luns[j].lun, path);
		}
		t->chap.user = h->chap ? h->chap_user : NULL;
		t->mutual.user = h->chap && h->mutual_chap ? h->mutual_chap_user : NULL;
		t->params = (struct imp_params){
			h->max_recv_data_segment_length, h->first_burst_length,
			h->max_burst_length, h->num_recv_buffers, true,
			h->enforce_idle_timeout_detection };
		if (opt.with_secrets)
			ret = secrets(c, h->name, t);
		else if (t->chap.user != NULL || t->mutual.user != NULL)
			fprintf(stderr, "%s: the %sCHAP secret%s of target %s %s left out "
					"(--with-secrets includes secrets)\n", c->who,
				t->mutual.user ? "CHAP and mutual " : "", t->mutual.user ? "s" : "",
				ctl_quote(c, h->name), t->mutual.user ? "are" : "is");
	}
	if (ret != 0)
		return ret;
	json_t *doc = imp_state_to_json(s);
	json_object_set_new(doc, "secrets", json_string(opt.with_secrets ? "included" : "omitted"));
	return ctl_emit(c, doc);
}

static int check_import(const struct ctl_options *o, const char *who, char **args, int n)
{
	(void)o;
	(void)n;
	json_error_t e;
	json_t *doc = strcmp(args[0], "-") == 0 ? json_loadf(stdin, 0, &e)
						: json_load_file(args[0], 0, &e);
	if (doc == NULL) {
		fprintf(stderr, "%s: %s:%d: %s\n", who, args[0], e.line, e.text);
		return CTL_EXIT_FAILURE;
	}
	char *err = NULL;
	opt.state = imp_state_from_json(NULL, doc, &err);
	json_decref(doc);
	if (opt.state == NULL) {
		fprintf(stderr, "%s: %s: %s\n", who, args[0], err ? err : "cannot read it");
		talloc_free(err);
		return CTL_EXIT_FAILURE;
	}
	opt.state->source = talloc_strdup(opt.state, args[0]);
	return 0;
}

static int import(struct ctl_conn *c, const struct ctl_options *o, char **args, int n)
{
	(void)args;
	(void)n;
	return imp_apply(c, opt.state, !opt.dry_run, o->json);
}

static const struct option export_options[] = {
	{ "with-secrets", no_argument, NULL, OPT_WITH_SECRETS },
	{ NULL, 0, NULL, 0 },
};

static const struct option import_options[] = {
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ NULL, 0, NULL, 0 },
};

static const struct ctl_action actions[] = {
	{ "export", "[--with-secrets]", 0, 0, export_options, NULL, export },
	{ "import", "FILE|- [--dry-run]", 1, 1, import_options, check_import, import },
};

int cmd_config(const struct ctl_options *options, int argc, char **argv)
{
	int ret = ctl_dispatch("config", actions, sizeof(actions) / sizeof(actions[0]), options,
			       argc, argv, set_option);
	TALLOC_FREE(opt.state);
	return ret;
}
