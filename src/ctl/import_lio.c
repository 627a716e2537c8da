/* saveconfig.json (targetcli 2.1, rtslib-fb):
 *
 *   {"storage_objects": [{"plugin": "fileio", "name": "db", "dev": "/srv/db.vhd", ...},
 *                        {"plugin": "block", "name": "sdb", "dev": "/dev/sdb", ...}],
 *    "targets": [{"fabric": "iscsi", "wwn": "iqn....", "tpgs": [{
 *        "tag": 1, "enable": true,
 *        "attributes": {"authentication": 1, "generate_node_acls": 0, ...},
 *        "luns": [{"index": 0, "storage_object": "/backstores/fileio/db"}],
 *        "node_acls": [{"node_wwn": "iqn....", "chap_userid": "...",
 *                       "chap_password": "...", "chap_mutual_userid": "...",
 *                       "chap_mutual_password": "...", "mapped_luns": [...]}],
 *        "portals": [{"ip_address": "0.0.0.0", "port": 3260}]}]}]}
 *
 * LIO's CHAP belongs to each node ACL (or to the TPG in demo mode); istmd's
 * to the target: one account per target is carried over. LIO numbers LUNs
 * from 0, tgt from 1 (its LUN 0 is the controller): a target with a LUN 0
 * has all its LUNs moved up by one. */
#include "ctl/import_lio.h"

#include <stdlib.h>
#include <string.h>

#include "ctl/parse.h"

static json_int_t int_of(json_t *j, json_int_t dflt)
{
	if (json_is_integer(j))
		return json_integer_value(j);
	if (json_is_boolean(j))
		return json_is_true(j);
	if (json_is_string(j))
		return strtoll(json_string_value(j), NULL, 10);
	return dflt;
}

static const char *str_of(json_t *obj, const char *key)
{
	json_t *j = json_object_get(obj, key);
	return json_is_string(j) && json_string_value(j)[0] != '\0' ? json_string_value(j) : NULL;
}

/* The storage object "/backstores/PLUGIN/NAME" names. */
static json_t *storage_object(json_t *doc, const char *ref)
{
	const char *prefix = "/backstores/";
	if (ref == NULL || strncmp(ref, prefix, strlen(prefix)) != 0)
		return NULL;
	const char *plugin = ref + strlen(prefix), *slash = strchr(plugin, '/');
	if (slash == NULL)
		return NULL;
	size_t i;
	json_t *so;
	json_array_foreach(json_object_get(doc, "storage_objects"), i, so) {
		const char *p = str_of(so, "plugin"), *n = str_of(so, "name");
		if (p && n && strlen(p) == (size_t)(slash - plugin) &&
		    strncmp(p, plugin, (size_t)(slash - plugin)) == 0 && strcmp(n, slash + 1) == 0)
			return so;
	}
	return NULL;
}

/* One CHAP direction of an ACL or TPG: "chap_userid"/"chap_password" or the
 * "chap_mutual_" pair; the first account found is the target's. */
static void take_chap(struct imp_state *s, struct imp_target *t, json_t *from, bool mutual,
		      const char *who)
{
	const char *user = str_of(from, mutual ? "chap_mutual_userid" : "chap_userid");
	const char *secret = str_of(from, mutual ? "chap_mutual_password" : "chap_password");
	if (user == NULL)
		return;
	struct imp_chap *c = mutual ? &t->mutual : &t->chap;
	if (c->user == NULL) {
		c->user = talloc_strdup(s, user);
		c->secret = secret ? talloc_strdup(s, secret) : NULL;
	} else if (strcmp(c->user, user) != 0 || (secret && c->secret && strcmp(c->secret, secret))) {
		imp_problem(s, "%sCHAP account %s of %s on target %s: istmd has one %sCHAP account "
			       "per target (%s is carried over)", mutual ? "mutual " : "", user, who,
			    t->iqn, mutual ? "mutual " : "", c->user);
	}
}

static void read_luns(json_t *doc, struct imp_state *s, struct imp_target *t, json_t *luns)
{
	bool zero = false;
	size_t i;
	json_t *l;
	json_array_foreach(luns, i, l) zero |= int_of(json_object_get(l, "index"), -1) == 0;
	if (zero)
		imp_note(s, "target %s: LIO's LUNs 0.. become 1.. (tgt's LUN 0 is its controller)",
			 t->iqn);
	json_array_foreach(luns, i, l) {
		json_int_t index = int_of(json_object_get(l, "index"), -1);
		const char *ref = str_of(l, "storage_object");
		json_t *so = storage_object(doc, ref);
		const char *plugin = so ? str_of(so, "plugin") : NULL, *dev = so ? str_of(so, "dev") : NULL;
		if (index < 0 || index > 16382) {
			imp_problem(s, "LUN %lld of target %s: not a LUN number istmd can serve",
				    (long long)index, t->iqn);
		} else if (so == NULL || plugin == NULL) {
			imp_problem(s, "LUN %lld of target %s: storage object %s is not in the file",
				    (long long)index, t->iqn, ref ? ref : "(none)");
		} else if (strcmp(plugin, "fileio") == 0 && dev != NULL) {
			imp_lun_add(t, (uint32_t)index + (zero ? 1 : 0), dev);
		} else if (strcmp(plugin, "block") == 0) {
			imp_problem(s, "LUN %lld of target %s on %s: a raw block device, not a VHD file: "
				       "istmd serves only VHD files", (long long)index, t->iqn,
				    dev ? dev : ref);
		} else {
			imp_problem(s, "LUN %lld of target %s: a %s storage object (%s), not a VHD file",
				    (long long)index, t->iqn, plugin, ref);
		}
	}
}

static void read_tpg(json_t *doc, struct imp_state *s, struct imp_target *t, json_t *tpg)
{
	json_t *attrs = json_object_get(tpg, "attributes");
	t->enabled = int_of(json_object_get(tpg, "enable"), 1) != 0;
	read_luns(doc, s, t, json_object_get(tpg, "luns"));
	bool demo = int_of(json_object_get(attrs, "generate_node_acls"), 0) != 0;
	bool auth = int_of(json_object_get(attrs, "authentication"), 0) != 0;
	if (demo) {
		imp_initiator_add(t, CTL_ID_IQN, "*");
		take_chap(s, t, tpg, false, "the TPG");
		take_chap(s, t, tpg, true, "the TPG");
	}
	size_t i;
	json_t *acl;
	bool without = false;
	json_array_foreach(json_object_get(tpg, "node_acls"), i, acl) {
		const char *wwn = str_of(acl, "node_wwn");
		if (wwn == NULL)
			continue;
		imp_initiator_add(t, CTL_ID_IQN, wwn);
		const char *who = talloc_asprintf(s, "initiator %s", wwn);
		take_chap(s, t, acl, false, who);
		take_chap(s, t, acl, true, who);
		without |= str_of(acl, "chap_userid") == NULL;
	}
	if (t->chap.user != NULL && without)
		imp_note(s, "target %s: some initiators had no CHAP account in LIO; in istmd every "
			    "initiator of the target uses its account %s", t->iqn, t->chap.user);
	if (t->chap.user != NULL && !auth && !demo)
		imp_note(s, "target %s: LIO did not require CHAP (authentication 0); istmd will",
			 t->iqn);
	json_t *portals = json_object_get(tpg, "portals");
	if (json_array_size(portals) > 0)
		imp_note(s, "target %s: its %zu portal(s) are not carried over: istmd's targets "
			    "listen on [iscsi] portal", t->iqn, json_array_size(portals));
}

struct imp_state *imp_lio_json(TALLOC_CTX *mem, const char *source, json_t *doc, char **err)
{
	json_t *targets = json_object_get(doc, "targets");
	if (!json_is_object(doc) || (targets != NULL && !json_is_array(targets)) ||
	    (targets == NULL && json_object_get(doc, "storage_objects") == NULL)) {
		*err = talloc_asprintf(mem, "%s: not a targetcli saveconfig (no \"targets\" or "
					    "\"storage_objects\")", source);
		return NULL;
	}
	struct imp_state *s = imp_state_new(mem, source);
	size_t i;
	json_t *tj;
	json_array_foreach(targets, i, tj) {
		const char *fabric = str_of(tj, "fabric"), *wwn = str_of(tj, "wwn");
		if (wwn == NULL)
			continue;
		if (fabric != NULL && strcmp(fabric, "iscsi") != 0) {
			imp_problem(s, "target %s: a %s target; istmd serves iSCSI only", wwn, fabric);
			continue;
		}
		json_t *tpgs = json_object_get(tj, "tpgs");
		if (json_array_size(tpgs) == 0) {
			imp_problem(s, "target %s: no TPG, nothing to carry over", wwn);
			continue;
		}
		struct imp_target *t = imp_target_add(s, wwn);
		if (t == NULL)
			break;
		read_tpg(doc, s, t, json_array_get(tpgs, 0));
		if (json_array_size(tpgs) > 1)
			imp_problem(s, "target %s: %zu TPGs; istmd has one per target, the first "
				       "(tag %lld) is carried over", wwn, json_array_size(tpgs),
				    (long long)int_of(json_object_get(json_array_get(tpgs, 0), "tag"),
						      1));
	}
	return s;
}

struct imp_state *imp_lio_file(TALLOC_CTX *mem, const char *path, char **err)
{
	json_error_t e;
	json_t *doc = json_load_file(path, 0, &e);
	if (doc == NULL) {
		*err = talloc_asprintf(mem, "%s:%d: %s", path, e.line, e.text);
		return NULL;
	}
	struct imp_state *s = imp_lio_json(mem, path, doc, err);
	json_decref(doc);
	return s;
}
