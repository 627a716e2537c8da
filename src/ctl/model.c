#include "ctl/model.h"

#include <inttypes.h>
#include <string.h>

#include "ctl/parse.h"

const char *ctl_disk_status_name(uint32_t status)
{
	switch (status) {
	case 0: return "idle";
	case 1: return "in-use";
	case 2: return "reverting";
	default: return "unknown";
	}
}

const char *ctl_vhd_type_name(uint32_t vhd_type)
{
	switch (vhd_type) {
	case 1: return "fixed";
	case 2: return "differencing";
	case 3: return "dynamic";
	default: return "unknown";
	}
}

/* An empty user name is no user name. */
static const char *user_or_null(const char *user)
{
	return user != NULL && user[0] != '\0' ? user : NULL;
}

static json_t *last_login_json(int64_t filetime)
{
	char buf[32];
	const char *text = ctl_filetime_text(filetime, buf, sizeof(buf));
	return text ? json_string(text) : json_null();
}

json_t *ctl_target_json(const struct ctl_target *t)
{
	json_t *initiators = json_array(), *luns = json_array();
	json_t *portals = t->has_portals ? json_array() : json_null();
	for (size_t i = 0; i < t->n_initiators; i++)
		json_array_append_new(initiators,
				      json_pack("{s:s, s:s?}", "method",
						ctl_id_method_name(t->initiators[i].method), "value",
						t->initiators[i].value));
	for (size_t i = 0; i < t->n_luns; i++)
		json_array_append_new(luns, json_pack("{s:I, s:I}", "lun", (json_int_t)t->luns[i].lun,
						      "wtd", (json_int_t)t->luns[i].wtd));
	for (size_t i = 0; t->has_portals && i < t->n_portals; i++)
		json_array_append_new(portals,
				      json_pack("{s:s?, s:I}", "address", t->portals[i].address,
						"port", (json_int_t)t->portals[i].port));
	/* "o" steals the references; json_pack frees them on failure. */
	return json_pack("{s:s?, s:s?, s:s?, s:s?, s:b, s:s, s:o,"
			 " s:{s:b, s:s?}, s:{s:b, s:s?}, s:o, s:o, s:o,"
			 " s:{s:I, s:I, s:I, s:I, s:b}}",
			 "name", t->name, "iqn", t->iqn, "guid", t->guid, "description",
			 t->description, "enabled", t->enabled, "status",
			 t->connected ? "connected" : "idle", "last_login",
			 last_login_json(t->last_login), "chap", "enabled", t->chap, "user",
			 user_or_null(t->chap_user), "mutual_chap", "enabled", t->mutual_chap,
			 "user", user_or_null(t->mutual_chap_user), "initiators", initiators,
			 "luns", luns, "portals", portals, "parameters", "max_recv_data_segment_length",
			 (json_int_t)t->max_recv_data_segment_length, "first_burst_length",
			 (json_int_t)t->first_burst_length, "max_burst_length",
			 (json_int_t)t->max_burst_length, "num_recv_buffers",
			 (json_int_t)t->num_recv_buffers, "enforce_idle_timeout_detection",
			 t->enforce_idle_timeout_detection);
}

json_t *ctl_disk_json(const struct ctl_disk *d)
{
	return json_pack("{s:I, s:s?, s:s?, s:s?, s:s?, s:I, s:s, s:s?, s:o, s:s, s:b}", "wtd",
			 (json_int_t)d->wtd, "guid", d->guid, "serial_number", d->serial_number,
			 "path", d->path, "description", d->description, "size",
			 (json_int_t)d->size, "vhd_type", ctl_vhd_type_name(d->vhd_type),
			 "parent_path", d->parent_path, "enabled",
			 d->has_enabled ? json_boolean(d->enabled) : json_null(), "status",
			 ctl_disk_status_name(d->status), "assigned", d->assigned);
}

json_t *ctl_targets_json(const struct ctl_target *t, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		if (json_array_append_new(a, ctl_target_json(&t[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return json_pack("{s:o}", "targets", a);
}

json_t *ctl_disks_json(const struct ctl_disk *d, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		if (json_array_append_new(a, ctl_disk_json(&d[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return json_pack("{s:o}", "disks", a);
}

static bool json_on_stdout;

bool ctl_json_emitted(void)
{
	return json_on_stdout;
}

int ctl_json_emit(FILE *out, json_t *json)
{
	if (json == NULL)
		return -1;
	if (out == stdout)
		json_on_stdout = true;
	int rc = json_dumpf(json, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(json);
	if (rc != 0 || fputc('\n', out) == EOF)
		return -1;
	return 0;
}

static const char *or_dash(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : "-";
}

void ctl_target_print(FILE *out, const struct ctl_target *t)
{
	char buf[32];
	const char *login = ctl_filetime_text(t->last_login, buf, sizeof(buf));
	fprintf(out, "Name:         %s\n", or_dash(t->name));
	fprintf(out, "IQN:          %s\n", or_dash(t->iqn));
	fprintf(out, "GUID:         %s\n", or_dash(t->guid));
	fprintf(out, "Description:  %s\n", or_dash(t->description));
	fprintf(out, "Enabled:      %s\n", t->enabled ? "yes" : "no");
	fprintf(out, "Status:       %s\n", t->connected ? "connected" : "idle");
	fprintf(out, "Last login:   %s\n", login ? login : "never");
	if (t->chap)
		fprintf(out, "CHAP:         one-way, user %s\n", or_dash(t->chap_user));
	else
		fprintf(out, "CHAP:         off\n");
	if (t->mutual_chap)
		fprintf(out, "Mutual CHAP:  on, target user %s\n", or_dash(t->mutual_chap_user));
	else
		fprintf(out, "Mutual CHAP:  off\n");
	fprintf(out, "Initiators:%s\n", t->n_initiators ? "" : "   none (nobody may log in)");
	for (size_t i = 0; i < t->n_initiators; i++)
		fprintf(out, "  %-8s %s\n", ctl_id_method_name(t->initiators[i].method),
			or_dash(t->initiators[i].value));
	fprintf(out, "LUNs:%s\n", t->n_luns ? "" : "         none");
	for (size_t i = 0; i < t->n_luns; i++)
		fprintf(out, "  LUN %-4" PRIu32 " disk %" PRIu32 "\n", t->luns[i].lun, t->luns[i].wtd);
	if (t->has_portals) {
		fprintf(out, "Portals:%s\n", t->n_portals ? "" : "      the server's default");
		for (size_t i = 0; i < t->n_portals; i++)
			fprintf(out, "  %s:%" PRIu32 "\n", or_dash(t->portals[i].address),
				t->portals[i].port);
	}
	fprintf(out,
		"Parameters:   MaxRecvDataSegmentLength %" PRIu32 ", FirstBurstLength %" PRIu32
		", MaxBurstLength %" PRIu32 ", NumRecvBuffers %" PRIu32
		", EnforceIdleTimeoutDetection %s\n",
		t->max_recv_data_segment_length, t->first_burst_length, t->max_burst_length,
		t->num_recv_buffers, t->enforce_idle_timeout_detection ? "yes" : "no");
}

void ctl_targets_print(FILE *out, const struct ctl_target *t, size_t n)
{
	if (n == 0) {
		fprintf(out, "no targets\n");
		return;
	}
	fprintf(out, "%-20s %-9s %-5s %-4s %-10s %s\n", "NAME", "STATUS", "LUNS", "IDS", "CHAP",
		"IQN");
	for (size_t i = 0; i < n; i++) {
		const struct ctl_target *x = &t[i];
		fprintf(out, "%-20s %-9s %-5zu %-4zu %-10s %s\n", or_dash(x->name),
			!x->enabled ? "disabled" : x->connected ? "connected" : "idle", x->n_luns,
			x->n_initiators, x->mutual_chap ? "mutual" : x->chap ? "one-way" : "off",
			or_dash(x->iqn));
	}
}

void ctl_disk_print(FILE *out, const struct ctl_disk *d)
{
	char size[32];
	fprintf(out, "WTD:          %" PRIu32 "\n", d->wtd);
	fprintf(out, "Path:         %s\n", or_dash(d->path));
	fprintf(out, "Size:         %s (%" PRIu64 " bytes)\n", ctl_size_text(d->size, size, sizeof(size)),
		d->size);
	fprintf(out, "VHD type:     %s\n", ctl_vhd_type_name(d->vhd_type));
	if (d->parent_path != NULL)
		fprintf(out, "Parent:       %s\n", d->parent_path);
	fprintf(out, "Description:  %s\n", or_dash(d->description));
	fprintf(out, "GUID:         %s\n", or_dash(d->guid));
	fprintf(out, "Serial:       %s\n", or_dash(d->serial_number));
	if (d->has_enabled)
		fprintf(out, "Enabled:      %s\n", d->enabled ? "yes" : "no");
	fprintf(out, "Status:       %s\n", ctl_disk_status_name(d->status));
	fprintf(out, "Assigned:     %s\n", d->assigned ? "yes" : "no");
}

void ctl_disks_print(FILE *out, const struct ctl_disk *d, size_t n)
{
	if (n == 0) {
		fprintf(out, "no virtual disks\n");
		return;
	}
	fprintf(out, "%-5s %-12s %-8s %-8s %s\n", "WTD", "SIZE", "TYPE", "STATUS", "PATH");
	for (size_t i = 0; i < n; i++) {
		char size[32];
		fprintf(out, "%-5" PRIu32 " %-12s %-8s %-8s %s\n", d[i].wtd,
			ctl_size_text(d[i].size, size, sizeof(size)), ctl_vhd_type_name(d[i].vhd_type),
			ctl_disk_status_name(d[i].status), or_dash(d[i].path));
	}
}
