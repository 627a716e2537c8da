/* Sessions' authentication as first seen (session_auth.h). */
#include "backend/session_auth.h"

#include <string.h>

struct seen_auth {
	char *target; /* NULL when the backend does not say */
	uint16_t tsih;
	enum iscsi_auth_method auth;
};

struct session_auth {
	struct seen_auth *seen;
	size_t n;
};

struct session_auth *session_auth_new(TALLOC_CTX *mem_ctx)
{
	return talloc_zero(mem_ctx, struct session_auth);
}

void session_auth_reset(struct session_auth *m)
{
	TALLOC_FREE(m->seen);
	m->n = 0;
}

static bool same(const struct seen_auth *e, const struct iscsi_session_info *s)
{
	if (e->tsih != s->tsih)
		return false;
	if (e->target == NULL || s->target_iqn == NULL)
		return e->target == NULL && s->target_iqn == NULL;
	return strcmp(e->target, s->target_iqn) == 0;
}

void session_auth_first(struct session_auth *m, struct iscsi_session_info *sessions, size_t n,
			bool complete)
{
	struct seen_auth *next = talloc_zero_array(m, struct seen_auth, n + m->n + 1);
	size_t k = 0;
	if (next == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		bool found = false;
		for (size_t j = 0; j < m->n && !found; j++)
			if (same(&m->seen[j], &sessions[i])) {
				sessions[i].auth = m->seen[j].auth;
				found = true;
			}
		next[k++] = (struct seen_auth){
			sessions[i].target_iqn ? talloc_strdup(next, sessions[i].target_iqn) : NULL,
			sessions[i].tsih, sessions[i].auth
		};
	}
	for (size_t j = 0; !complete && j < m->n; j++) {
		bool listed = false;
		for (size_t i = 0; i < n && !listed; i++)
			listed = same(&m->seen[j], &sessions[i]);
		if (!listed) {
			next[k] = m->seen[j];
			next[k].target = m->seen[j].target ? talloc_strdup(next, m->seen[j].target)
							   : NULL;
			k++;
		}
	}
	talloc_free(m->seen);
	m->seen = next;
	m->n = k;
}
