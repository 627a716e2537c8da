/* Ping sets (MS-DCOM 3.1.2.5.1.2 SimplePing, 3.1.2.5.1.3 ComplexPing, 3.1.2.6):
 * a client keeps the objects it references alive by pinging a set of their
 * OIDs. Each ping refreshes the objects of the set; a set not pinged for
 * ping_timeout_periods x ping_period is dropped, and objects nobody pinged or
 * called for that long are released by the exporter's sweep. */
#include "dcom/internal.h"

#include <errno.h>
#include <strings.h>

#include "istmd/hresult.h"
#include "istmd/log.h"

/* USER's set SETID: another account's set is as unknown as a missing one. */
static struct dcom_pingset *find_set(struct dcom_exporter *ex, const char *user, uint64_t setid)
{
	struct idmap_key k = idmap_key_u64(setid);
	struct dcom_pingset *set = idmap_get(ex->sets, &k);
	if (set == NULL || strcasecmp(set->owner, user ? user : "") != 0)
		return NULL;
	return set;
}

struct count_state {
	const char *user;
	size_t n;
};

static void count_owned(const struct idmap_key *key, void *value, void *priv)
{
	struct count_state *s = priv;
	const struct dcom_pingset *set = value;
	(void)key;
	if (strcasecmp(set->owner, s->user) == 0)
		s->n++;
}

static size_t sets_of(struct dcom_exporter *ex, const char *user)
{
	struct count_state s = { .user = user, .n = 0 };
	idmap_foreach(ex->sets, count_owned, &s);
	return s.n;
}

static void touch_oid(const struct idmap_key *key, void *value, void *priv)
{
	struct dcom_exporter *ex = priv;
	struct dcom_object *obj = idmap_get(ex->oids, key);
	(void)value;
	if (obj != NULL)
		dcom_object_touch(obj);
}

static void ping(struct dcom_exporter *ex, struct dcom_pingset *set)
{
	set->last_ping_ms = dcom_now_ms(ex);
	idmap_foreach(set->oids, touch_oid, ex);
}

uint32_t dcom_simple_ping(struct dcom_exporter *ex, const char *user, uint64_t setid)
{
	struct dcom_pingset *set = find_set(ex, user, setid);
	if (set == NULL)
		return OR_INVALID_SET;
	ping(ex, set);
	return 0;
}

static bool oid_known(struct dcom_exporter *ex, uint64_t oid)
{
	struct idmap_key k = idmap_key_u64(oid);
	return idmap_get(ex->oids, &k) != NULL;
}

/* Adds the OIDs of ADD that the exporter knows (all of them must be known
 * when STRICT) and removes those of DEL. */
static uint32_t update(struct dcom_exporter *ex, struct dcom_pingset *set, const uint64_t *add,
		       uint16_t num_add, const uint64_t *del, uint16_t num_del, bool strict)
{
	if (strict) {
		/* Checked first so that a refused call changes nothing. */
		for (uint16_t i = 0; i < num_add; i++) {
			if (!oid_known(ex, add[i]))
				return OR_INVALID_OID;
		}
	}
	for (uint16_t i = 0; i < num_add; i++) {
		if (!oid_known(ex, add[i]))
			continue;
		struct idmap_key k = idmap_key_u64(add[i]);
		int rc = idmap_put(set->oids, &k, (void *)1);
		if (rc != 0 && rc != -EEXIST)
			return ERROR_OUTOFMEMORY;
	}
	for (uint16_t i = 0; i < num_del; i++) {
		struct idmap_key k = idmap_key_u64(del[i]);
		idmap_remove(set->oids, &k);
	}
	return 0;
}

uint32_t dcom_complex_ping(struct dcom_exporter *ex, const char *user, bool admin,
			   uint64_t *setid, uint16_t seq, const uint64_t *add, uint16_t num_add,
			   const uint64_t *del, uint16_t num_del)
{
	struct dcom_pingset *set;

	if (user == NULL)
		user = "";
	if (*setid != 0) {
		set = find_set(ex, user, *setid);
		if (set == NULL)
			return OR_INVALID_SET;
		/* A sequence number "greater" than the client's (modulo 2^16):
		 * a late duplicate, nothing to do (MS-DCOM 3.1.2.5.1.3). */
		if ((int16_t)(set->seq - seq) > 0)
			return 0;
		uint32_t status = update(ex, set, add, num_add, del, num_del, true);
		if (status != 0)
			return status;
		set->seq = seq;
		ping(ex, set);
		return 0;
	}

	/* Only admins hold objects (every ORPC call and activation needs one,
	 * MS-ISTM 3.1.4.2.1): another account has nothing to keep alive, and
	 * must not fill the table that admins' sets need. */
	if (!admin) {
		log_notice("DCOM: ping set for %s refused: not an admin", user);
		return ERROR_ACCESS_DENIED;
	}
	size_t own = sets_of(ex, user);
	if (own >= ex->config.max_ping_sets_per_account) {
		log_warn("DCOM: %s has %zu ping sets (max_ping_sets_per_account): new one refused",
			 user, own);
		return ERROR_OUTOFMEMORY;
	}
	if (idmap_count(ex->sets) >= ex->config.max_ping_sets) {
		log_warn("DCOM: %zu ping sets exist (max_ping_sets): new one refused",
			 idmap_count(ex->sets));
		return ERROR_OUTOFMEMORY;
	}
	set = talloc_zero(ex->sets, struct dcom_pingset);
	if (set == NULL || (set->oids = idmap_new(set)) == NULL) {
		talloc_free(set);
		return ERROR_OUTOFMEMORY;
	}
	set->owner = talloc_strdup(set, user);
	if (set->owner == NULL) {
		talloc_free(set);
		return ERROR_OUTOFMEMORY;
	}
	set->setid = dcom_new_id64(ex->sets);
	set->seq = seq;
	uint32_t status = update(ex, set, add, num_add, NULL, 0, false);
	struct idmap_key k = idmap_key_u64(set->setid);
	if (status != 0 || idmap_put(ex->sets, &k, set) != 0) {
		talloc_free(set);
		return ERROR_OUTOFMEMORY;
	}
	ping(ex, set);
	*setid = set->setid;
	log_debug("DCOM: ping set %016llx created with %zu OIDs", (unsigned long long)set->setid,
		  idmap_count(set->oids));
	return 0;
}

struct expire_state {
	struct dcom_exporter *ex;
	uint64_t now, limit;
};

static void expire_one(const struct idmap_key *key, void *value, void *priv)
{
	struct expire_state *s = priv;
	struct dcom_pingset *set = value;
	if (s->now - set->last_ping_ms < s->limit)
		return;
	log_debug("DCOM: ping set %016llx expired", (unsigned long long)set->setid);
	idmap_remove(s->ex->sets, key);
	talloc_free(set);
}

void dcom_pingsets_expire(struct dcom_exporter *ex, uint64_t now)
{
	struct expire_state s = {
		.ex = ex,
		.now = now,
		.limit = (uint64_t)ex->config.ping_period * ex->config.ping_timeout_periods * 1000,
	};
	idmap_foreach(ex->sets, expire_one, &s);
}

static void touch_set(const struct idmap_key *key, void *value, void *priv)
{
	struct dcom_pingset *set = value;
	(void)key;
	set->last_ping_ms = *(const uint64_t *)priv;
}

void dcom_pingsets_touch_all(struct dcom_exporter *ex, uint64_t now)
{
	idmap_foreach(ex->sets, touch_set, &now);
}
