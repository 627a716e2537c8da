/* Foreign targets at start-up (adopt.h). Runs before the daemon serves
 * anyone, so it waits on the event loop synchronously (tevent_req_poll) like
 * the rest of the start-up. Adoption is all or nothing: every foreign target
 * is checked first (LUN files, ACLs, CHAP), and nothing is written unless
 * all of them can be carried over, so a refused adoption leaves both the
 * database and tgtd as they were. */
#include "daemon/adopt.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/iscsi_backend.h"
#include "backend/storage_paths.h"
#include "backend/vhd.h"
#include "core/core.h"
#include "istmd/log.h"

static void expired(struct tevent_context *ev, struct tevent_timer *te, struct timeval now,
		    void *priv)
{
	*(bool *)priv = true; /* tevent frees a timer once it has fired */
}

/* Whether the backend answers within WAIT_S seconds. */
static bool wait_up(struct tevent_context *ev, struct iscsi_backend *be, unsigned wait_s)
{
	bool late = false;
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct tevent_timer *te = tmp == NULL ? NULL
				  : tevent_add_timer(ev, tmp, tevent_timeval_current_ofs(wait_s, 0),
						     expired, &late);
	while (!iscsi_backend_is_up(be, NULL) && !late && te != NULL) {
		if (tevent_loop_once(ev) != 0)
			break;
	}
	talloc_free(tmp); /* the timer, if it has not fired */
	return iscsi_backend_is_up(be, NULL);
}


/* NULL when the LUN's backing file is a fixed VHD under the storage roots
 * (the only kind istmd serves as it is), else why it cannot be carried over. */
static const char *lun_problem(TALLOC_CTX *mem, const struct storage_paths *sp, const char *path)
{
	struct stat st;
	if (stat(path, &st) == 0 && S_ISBLK(st.st_mode))
		return "a raw block device, not a VHD file: istmd serves only VHD files";
	struct storage_path *p;
	int rc = storage_path_parse(mem, sp, path, &p);
	if (rc < 0)
		return talloc_asprintf(mem, "the file is not under a storage root ([storage] "
					    "roots): %s", strerror(-rc));
	int fd = storage_path_open(p, O_RDONLY | O_NOFOLLOW);
	if (fd < 0)
		return talloc_asprintf(mem, "cannot open it: %s", strerror(-fd));
	struct vhd_info *info = NULL;
	char reason[VHD_REASON_LEN] = "";
	rc = vhd_inspect(mem, fd, &info, reason);
	close(fd);
	if (rc == -EBADMSG)
		return "a raw file, not a VHD: istmd serves only VHD files";
	if (rc < 0)
		return talloc_asprintf(mem, "not a usable VHD: %s", reason[0] ? reason : strerror(-rc));
	if (info->type != VHD_TYPE_FIXED)
		return talloc_asprintf(mem, "a %s VHD served as a raw file: istmd would serve its "
					    "contents, not the file", vhd_type_name(info->type));
	return NULL;
}

/* What a foreign target becomes in istmd; NULL *problem when it can. */
struct plan {
	const struct iscsi_target *live;
	struct core_target_draft *draft;
};

/* Builds the draft of T (name, IQN, enabled, ACL) and checks its LUNs;
 * returns the number of problems logged. */
static unsigned check_target(TALLOC_CTX *mem, struct core *core, const struct storage_paths *sp,
			     const struct iscsi_target *t, struct plan *plans, size_t k)
{
	struct plan *plan = &plans[k];
	unsigned problems = 0;
	char *why = NULL;
	int rc = 0;
	/* Two IQNs ending alike ("...a:web", "...b:web"): the later is named by
	 * its whole IQN. */
	char *name = iscsi_target_name_from_iqn(mem, t->iqn);
	for (size_t i = 0; name != NULL && i < k; i++) {
		if (plans[i].draft != NULL &&
		    strcasecmp(core_draft_target(plans[i].draft)->name, name) == 0)
			name = talloc_strdup(mem, t->iqn);
	}
	plan->live = t;
	plan->draft = core_target_draft_new(mem, core, name, &rc, &why);
	if (plan->draft == NULL || core_draft_set_iqn(plan->draft, t->iqn, &why) < 0) {
		log_err("cannot adopt target %s: %s", t->iqn, why ? why : strerror(rc ? -rc : ENOMEM));
		return 1;
	}
	core_draft_set_enabled(plan->draft, t->enabled);
	for (size_t i = 0; i < t->n_acl; i++) {
		const struct iscsi_acl_entry *a = &t->acl[i];
		enum core_id_method m = a->kind == ISCSI_ACL_IQN ? CORE_ID_IQN
				       : a->kind == ISCSI_ACL_ANY ? CORE_ID_IQN
				       : strchr(a->value, ':') ? CORE_ID_IPV6 : CORE_ID_IP;
		const char *value = a->kind == ISCSI_ACL_ANY ? "*" : a->value;
		if (core_draft_add_id(plan->draft, m, value, &why) < 0) {
			log_err("cannot adopt target %s: initiator %s: %s", t->iqn, value,
				why ? why : "refused");
			problems++;
		}
	}
	if (t->n_chap_in > 0 || t->chap_out != NULL) {
		log_err("cannot adopt target %s: CHAP account %s is bound to it, and tgtd does not "
			"reveal CHAP secrets; unbind it (tgtadm --op unbind --mode account) and set "
			"CHAP again with istmctl chap after the start, or import the target with "
			"istmctl import tgt --config FILE", t->iqn,
			t->n_chap_in > 0 ? t->chap_in[0].user : t->chap_out->user);
		problems++;
	}
	for (size_t i = 0; i < t->n_luns; i++) {
		const char *problem = lun_problem(mem, sp, t->luns[i].path);
		if (problem != NULL) {
			log_err("cannot adopt target %s: LUN %u (%s) cannot be carried over: %s",
				t->iqn, t->luns[i].lun, t->luns[i].path, problem);
			problems++;
		}
	}
	return problems;
}

/* What an adoption wrote so far, to take back if a later step fails: the
 * database is then empty again, and the next start refuses (or adopts)
 * again instead of owning half of the foreign targets. The reconciler is
 * not running, so tgtd is not touched either way. */
struct undo {
	uint32_t *wtds;
	size_t n_wtds;
	const char **names;
	size_t n_names;
};

static void undo_all(TALLOC_CTX *mem, struct tevent_context *ev, struct core *core,
		     struct undo *u)
{
	char *why = NULL;
	for (size_t i = 0; i < u->n_names; i++) {
		struct tevent_req *req = core_target_delete_send(mem, core, u->names[i]);
		if (req == NULL || !tevent_req_poll(req, ev) ||
		    core_target_delete_recv(req, mem, &why) < 0)
			log_err("cannot take back adopted target '%s': %s", u->names[i],
				why ? why : "failed");
	}
	for (size_t i = 0; i < u->n_wtds; i++) {
		struct tevent_req *req = core_disk_delete_send(mem, core, u->wtds[i], false);
		if (req == NULL || !tevent_req_poll(req, ev) ||
		    core_disk_delete_recv(req, mem, &why) < 0)
			log_err("cannot take back adopted virtual disk %u: %s", u->wtds[i],
				why ? why : "failed");
	}
}

/* Registers the LUN files as disks (one per path) and saves the drafts. */
static int adopt_all(TALLOC_CTX *mem, struct tevent_context *ev, struct core *core,
		     struct plan *plans, size_t n, struct undo *u)
{
	char *why = NULL;
	for (size_t k = 0; k < n; k++) {
		const struct iscsi_target *t = plans[k].live;
		for (size_t i = 0; i < t->n_luns; i++) {
			struct core_disk *have = core_disk_by_path(mem, core, t->luns[i].path, 0);
			uint32_t wtd = have != NULL ? have->wtd : 0;
			if (have == NULL) {
				struct core_disk_spec spec = {
					.path = t->luns[i].path,
					.description = talloc_asprintf(mem, "adopted from %s", t->iqn),
					.type = CORE_WTD_FILE,
				};
				struct tevent_req *req = core_disk_create_send(mem, core, &spec);
				int rc = req == NULL || !tevent_req_poll(req, ev)
						 ? -ENOMEM
						 : core_disk_create_recv(req, mem, &wtd, &why);
				if (rc < 0) {
					log_err("adopting %s: cannot register %s as a virtual disk: %s",
						t->iqn, t->luns[i].path, why ? why : strerror(-rc));
					return -1;
				}
				u->wtds = talloc_realloc(mem, u->wtds, uint32_t, u->n_wtds + 1);
				if (u->wtds == NULL)
					return -1;
				u->wtds[u->n_wtds++] = wtd;
				log_notice("adopted %s as virtual disk %u", t->luns[i].path, wtd);
			}
			int rc = core_draft_add_disk(plans[k].draft, wtd, NULL, &why);
			if (rc == 0)
				rc = core_draft_set_lun(plans[k].draft, wtd, t->luns[i].lun);
			if (rc < 0) {
				log_err("adopting %s: LUN %u: %s", t->iqn, t->luns[i].lun,
					why ? why : strerror(-rc));
				return -1;
			}
		}
		struct tevent_req *req = core_target_save_send(mem, core, plans[k].draft);
		int rc = req == NULL || !tevent_req_poll(req, ev)
				 ? -ENOMEM : core_target_save_recv(req, mem, &why);
		if (rc < 0) {
			log_err("adopting %s: cannot save it: %s", t->iqn, why ? why : strerror(-rc));
			return -1;
		}
		const char *name = core_draft_target(plans[k].draft)->name;
		u->names = talloc_realloc(mem, u->names, const char *, u->n_names + 1);
		if (u->names == NULL)
			return -1;
		u->names[u->n_names++] = talloc_strdup(mem, name);
		log_notice("adopted target %s as '%s' (%zu LUN(s), %zu initiator entr%s)", t->iqn,
			   name, t->n_luns, t->n_acl, t->n_acl == 1 ? "y" : "ies");
	}
	return 0;
}

static int adopt(TALLOC_CTX *mem, struct tevent_context *ev, struct core *core,
		 struct plan *plans, size_t n)
{
	struct undo u = { 0 };
	if (adopt_all(mem, ev, core, plans, n, &u) == 0)
		return 0;
	undo_all(mem, ev, core, &u);
	log_err("refusing to start: the adoption failed and was taken back; tgtd was not "
		"touched");
	return -1;
}

static int check(TALLOC_CTX *mem, struct tevent_context *ev, struct core *core,
		 struct iscsi_backend *be, const struct storage_paths *sp, bool adopting,
		 unsigned wait_s)
{
	/* "Empty": no target and no disk. A database that had targets and lost
	 * them all (deleted before a crash that left one in tgtd) usually keeps
	 * its disks, and must repair tgtd as always. */
	if (core_target_count(core) > 0 || core_disk_count(core) > 0) {
		if (adopting)
			log_notice("--adopt: the database has targets already; nothing to adopt");
		return 0; /* istmd owns this backend: documented behaviour */
	}
	if (!wait_up(ev, be, wait_s)) {
		log_warn("the iSCSI backend %s does not answer: istmd cannot check it for targets "
			 "it does not own, and leaves any it finds there alone until it is restarted",
			 iscsi_backend_name(be));
		core_keep_foreign_targets(core, true);
		return 0;
	}
	struct iscsi_target *live = NULL;
	size_t n_live = 0;
	struct tevent_req *req = iscsi_backend_list_send(mem, ev, be);
	int rc = req == NULL || !tevent_req_poll(req, ev)
			 ? -ENOMEM : iscsi_backend_list_recv(req, mem, &live, &n_live);
	if (rc < 0) {
		log_warn("cannot list the targets of the iSCSI backend: %s; leaving any target "
			 "istmd does not own alone until it is restarted", strerror(-rc));
		core_keep_foreign_targets(core, true);
		return 0;
	}
	if (n_live == 0)
		return 0;
	if (!adopting) {
		for (size_t i = 0; i < n_live; i++)
			log_err("the iSCSI backend %s carries target %s, which is not in istmd's "
				"database", iscsi_backend_name(be), live[i].iqn);
		log_err("refusing to start: istmd's database is empty and its tgtd instance has "
			"%zu target(s) istmd does not own; istmd would remove them. Point [iscsi] "
			"tgt_control_port at istmd's own tgtd instance, or start istmd once with "
			"--adopt to import them", n_live);
		return -1;
	}
	struct plan *plans = talloc_zero_array(mem, struct plan, n_live);
	unsigned problems = 0;
	for (size_t i = 0; plans != NULL && i < n_live; i++)
		problems += check_target(mem, core, sp, &live[i], plans, i);
	if (plans == NULL)
		return -1;
	if (problems > 0) {
		log_err("refusing to start: %u problem(s) above keep istmd from adopting the "
			"targets of its tgtd instance; nothing was changed", problems);
		return -1;
	}
	return adopt(mem, ev, core, plans, n_live);
}

int daemon_check_foreign(struct tevent_context *ev, struct core *core,
			 struct iscsi_backend *backend, const struct storage_paths *storage,
			 bool adopting, unsigned wait_s)
{
	if (backend == NULL)
		return 0;
	TALLOC_CTX *mem = talloc_new(NULL);
	int rc = mem != NULL ? check(mem, ev, core, backend, storage, adopting, wait_s) : -1;
	talloc_free(mem);
	return rc;
}
