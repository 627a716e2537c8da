/* istmd-replay's parts without a daemon: the capture reader (pcap and
 * pcapng, IPv4 and IPv6, out-of-order and retransmitted segments, gaps,
 * snap length), rules files, the identifier map, and the session log's
 * redaction of secrets. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <talloc.h>

#include "idl/ndr_ms_istm.h"
#include "replay/capture.h"
#include "replay/idmap.h"
#include "replay/rules.h"
#include "rpc/session_log.h"

/* ---- building captures ------------------------------------------------------ */

struct buf {
	uint8_t d[8192];
	size_t n;
};

static void put(struct buf *b, const void *p, size_t n)
{
	assert_true(b->n + n <= sizeof(b->d));
	memcpy(b->d + b->n, p, n);
	b->n += n;
}

static void le32(struct buf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	put(b, x, 4);
}

static void le16(struct buf *b, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
	put(b, x, 2);
}

/* A TCP segment in an IPv6 packet between [::1]:SPORT and [::2]:DPORT (or
 * back), as raw IP (LINKTYPE_RAW). */
static size_t ipv6_tcp(uint8_t *out, bool from_client, uint32_t seq, uint8_t flags,
		       const char *data)
{
	size_t len = data ? strlen(data) : 0;
	memset(out, 0, 60);
	out[0] = 0x60;
	out[4] = (uint8_t)((20 + len) >> 8);
	out[5] = (uint8_t)(20 + len);
	out[6] = 6;
	out[7] = 64;
	out[8 + 15] = from_client ? 1 : 2;  /* src */
	out[24 + 15] = from_client ? 2 : 1; /* dst */
	uint8_t *t = out + 40;
	uint16_t sp = from_client ? 40000 : 135, dp = from_client ? 135 : 40000;
	t[0] = (uint8_t)(sp >> 8);
	t[1] = (uint8_t)sp;
	t[2] = (uint8_t)(dp >> 8);
	t[3] = (uint8_t)dp;
	t[4] = (uint8_t)(seq >> 24);
	t[5] = (uint8_t)(seq >> 16);
	t[6] = (uint8_t)(seq >> 8);
	t[7] = (uint8_t)seq;
	t[12] = 5 << 4;
	t[13] = flags;
	if (len)
		memcpy(t + 20, data, len);
	return 60 + len;
}

static void pcap_header(struct buf *b, uint32_t linktype)
{
	le32(b, 0xa1b2c3d4);
	le16(b, 2);
	le16(b, 4);
	le32(b, 0);
	le32(b, 0);
	le32(b, 65535);
	le32(b, linktype);
}

static void pcap_packet(struct buf *b, const uint8_t *p, size_t caplen, size_t len)
{
	le32(b, 1);
	le32(b, 0);
	le32(b, (uint32_t)caplen);
	le32(b, (uint32_t)len);
	put(b, p, caplen);
}

static void seg(struct buf *b, bool c, uint32_t seq, uint8_t flags, const char *data)
{
	uint8_t p[200];
	size_t n = ipv6_tcp(p, c, seq, flags, data);
	pcap_packet(b, p, n, n);
}

static void test_ipv6_reordered_and_retransmitted(void **state)
{
	(void)state;
	TALLOC_CTX *mem = talloc_new(NULL);
	struct buf b = { .n = 0 };
	pcap_header(&b, 101);
	seg(&b, true, 1000, 0x02, NULL);       /* SYN */
	seg(&b, false, 5000, 0x12, NULL);      /* SYN-ACK */
	seg(&b, true, 1006, 0x18, "WORLD");    /* arrives before HELLO */
	seg(&b, true, 1001, 0x18, "HELLO");
	seg(&b, true, 1001, 0x18, "HELLOW");   /* retransmitted, overlapping */
	seg(&b, false, 5001, 0x18, "ok");
	seg(&b, true, 1011, 0x18, "!!");
	seg(&b, false, 5001, 0x18, "ok");      /* retransmitted */
	struct capture *cap;
	const char *why;
	assert_int_equal(capture_read(mem, b.d, b.n, &cap, &why), 0);
	assert_int_equal(cap->num_conns, 1);
	struct cap_conn *c = cap->conns[0];
	assert_string_equal(c->client, "::1");
	assert_string_equal(c->server, "::2");
	assert_int_equal(c->server_port, 135);
	assert_int_equal(c->dir[0].len, 12);
	assert_memory_equal(c->dir[0].data, "HELLOWORLD!!", 12);
	assert_int_equal(c->dir[1].len, 2);
	assert_memory_equal(c->dir[1].data, "ok", 2);
	/* HELLO came in packet 4; WORLD was held from packet 3 */
	assert_int_equal(cap_dir_packet(&c->dir[0], 0), 4);
	assert_int_equal(cap_dir_packet(&c->dir[0], 10), 7);
	talloc_free(mem);
}

static void test_gap_refused(void **state)
{
	(void)state;
	TALLOC_CTX *mem = talloc_new(NULL);
	struct buf b = { .n = 0 };
	pcap_header(&b, 101);
	seg(&b, true, 1000, 0x02, NULL);
	seg(&b, true, 1006, 0x18, "WORLD"); /* HELLO was lost */
	struct capture *cap;
	const char *why = NULL;
	assert_int_equal(capture_read(mem, b.d, b.n, &cap, &why), -EINVAL);
	assert_non_null(strstr(why, "lost packets"));
	talloc_free(mem);
}

static void test_snaplen_and_truncation_refused(void **state)
{
	(void)state;
	TALLOC_CTX *mem = talloc_new(NULL);
	struct buf b = { .n = 0 };
	uint8_t p[200];
	size_t n = ipv6_tcp(p, true, 1, 0x18, "0123456789");
	pcap_header(&b, 101);
	pcap_packet(&b, p, n - 4, n);
	struct capture *cap;
	const char *why = NULL;
	assert_int_equal(capture_read(mem, b.d, b.n, &cap, &why), -EINVAL);
	assert_non_null(strstr(why, "snap length"));
	b.n = 0;
	pcap_header(&b, 101);
	pcap_packet(&b, p, n, n);
	assert_int_equal(capture_read(mem, b.d, b.n - 3, &cap, &why), -EINVAL);
	assert_non_null(strstr(why, "capture truncated"));
	talloc_free(mem);
}

static void test_pcapng_ethernet_ipv4(void **state)
{
	(void)state;
	TALLOC_CTX *mem = talloc_new(NULL);
	struct buf b = { .n = 0 };
	/* section header */
	le32(&b, 0x0A0D0D0A);
	le32(&b, 28);
	le32(&b, 0x1A2B3C4D);
	le16(&b, 1);
	le16(&b, 0);
	le32(&b, 0xffffffff);
	le32(&b, 0xffffffff);
	le32(&b, 28);
	/* interface: Ethernet */
	le32(&b, 1);
	le32(&b, 20);
	le16(&b, 1);
	le16(&b, 0);
	le32(&b, 0);
	le32(&b, 20);
	/* one packet: Ethernet, IPv4 127.0.18.9:50000 -> 127.0.18.1:1135, "DATA" */
	uint8_t f[128] = { 0 };
	f[12] = 0x08;
	uint8_t *ip = f + 14;
	ip[0] = 0x45;
	ip[3] = 20 + 20 + 4;
	ip[8] = 64;
	ip[9] = 6;
	ip[12] = 127, ip[13] = 0, ip[14] = 18, ip[15] = 9;
	ip[16] = 127, ip[17] = 0, ip[18] = 18, ip[19] = 1;
	uint8_t *t = ip + 20;
	t[0] = 50000 >> 8, t[1] = 50000 & 255, t[2] = 1135 >> 8, t[3] = 1135 & 255;
	t[7] = 1;
	t[12] = 5 << 4;
	t[13] = 0x18;
	memcpy(t + 20, "DATA", 4);
	size_t flen = 14 + 44 + 2; /* Ethernet padding after the IP packet */
	size_t padded = (flen + 3) & ~(size_t)3;
	le32(&b, 6);
	le32(&b, (uint32_t)(32 + padded));
	le32(&b, 0);
	le32(&b, 0);
	le32(&b, 0);
	le32(&b, (uint32_t)flen);
	le32(&b, (uint32_t)flen);
	put(&b, f, padded);
	le32(&b, (uint32_t)(32 + padded));
	struct capture *cap;
	const char *why = NULL;
	assert_int_equal(capture_read(mem, b.d, b.n, &cap, &why), 0);
	assert_int_equal(cap->num_conns, 1);
	assert_string_equal(cap->conns[0]->client, "127.0.18.9");
	assert_string_equal(cap->conns[0]->server, "127.0.18.1");
	assert_int_equal(cap->conns[0]->server_port, 1135);
	assert_int_equal(cap->conns[0]->dir[0].len, 4); /* the padding is not data */
	talloc_free(mem);
}

static void test_rules(void **state)
{
	(void)state;
	TALLOC_CTX *mem = talloc_new(NULL);
	struct rp_rules *r;
	const char *why = NULL;
	assert_int_equal(rp_rules_parse(mem,
					"# comment\npassword = pa;ss#1\nuser = alice ; live\n"
					"mask out.pTimeStamp\nmask IHost_get_* out.pDescription\n"
					"skip IWTGeneral_*\ndefault_masks = no\n",
					"t.rules", &r, &why),
			 0);
	assert_string_equal(r->password, "pa;ss#1");
	assert_string_equal(r->user, "alice");
	assert_true(r->no_default_masks);
	assert_true(rp_rules_masked(r, "IWTDisk_get_Size", "out.pTimeStamp"));
	assert_true(rp_rules_masked(r, "IHost_get_Description", "out.pDescription"));
	assert_false(rp_rules_masked(r, "IWTDisk_get_Description", "out.pDescription"));
	assert_true(rp_rules_skipped(r, "IWTGeneral_get_Name"));
	assert_int_equal(rp_rules_parse(mem, "x\nnope = 1\n", "t.rules", &r, &why), -EINVAL);
	assert_string_equal(why, "t.rules:1: expected KEY = VALUE, mask or skip");
	assert_int_equal(rp_rules_parse(mem, "nope = 1\n", "t.rules", &r, &why), -EINVAL);
	assert_string_equal(why, "t.rules:1: unknown key \"nope\"");
	talloc_free(mem);
}

static void test_idmap(void **state)
{
	(void)state;
	TALLOC_CTX *mem = talloc_new(NULL);
	struct rp_idmap *m = rp_idmap_new(mem);
	const char *rec = "00112233-4455-6677-8899-aabbccddeeff";
	const char *live = "ffeeddcc-bbaa-9988-7766-554433221100";
	assert_true(rp_is_guid_text(rec));
	assert_true(rp_is_id_field("out.x.std.oxid", "0x1122334455667788 (1234605616436508552)"));
	assert_false(rp_is_id_field("out.pSize", "0x1122334455667788 (1234605616436508552)"));
	assert_int_equal(rp_idmap_put(m, rec, live), 0);
	assert_int_equal(rp_idmap_put(m, "0x1122334455667788 (1)", "0x8877665544332211 (2)"), 0);
	assert_string_equal(rp_idmap_get(m, rec), live);
	/* the GUID's wire form: time_low, time_mid, time_hi little-endian */
	uint8_t stub[40] = { 0 };
	static const uint8_t wire[16] = { 0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66,
					  0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
	static const uint8_t lwire[16] = { 0xcc, 0xdd, 0xee, 0xff, 0xaa, 0xbb, 0x88, 0x99,
					   0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0x00 };
	memcpy(stub + 3, wire, 16);
	static const uint8_t id[8] = { 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11 };
	memcpy(stub + 24, id, 8);
	assert_int_equal(rp_idmap_substitute(m, stub, sizeof(stub)), 2);
	assert_memory_equal(stub + 3, lwire, 16);
	static const uint8_t lid[8] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };
	assert_memory_equal(stub + 24, lid, 8);
	assert_int_equal(rp_idmap_client(m, "aaaaaaaa-4455-6677-8899-aabbccddeeff"), 0);
	assert_true(rp_idmap_is_client(m, "AAAAAAAA-4455-6677-8899-AABBCCDDEEFF"));
	talloc_free(mem);
}

static void test_session_log_redacts_chap_secret(void **state)
{
	(void)state;
	TALLOC_CTX *mem = talloc_new(NULL);
	struct IHost_put_CHAPSecret r = { 0 };
	r.in.ORPCthis.version.MajorVersion = 5;
	r.in.ORPCthis.version.MinorVersion = 7;
	r.in.Secret = "Very-Secret-123";
	struct ndr_push *push = ndr_push_init_ctx(mem);
	assert_int_equal(ndr_push_IHost_put_CHAPSecret(push, NDR_IN, &r), NDR_ERR_SUCCESS);
	DATA_BLOB stub = ndr_push_blob(push);
	const struct ndr_interface_call *ic = &ndr_table_IHost.calls[NDR_IHOST_PUT_CHAPSECRET];
	assert_int_equal(rpc_session_log_redact(ic, NDR_IN, &r, stub.data, stub.length), 1);
	/* still a valid request, its secret all X */
	struct IHost_put_CHAPSecret back = { 0 };
	struct ndr_pull *pull = ndr_pull_init_blob(&stub, mem);
	assert_int_equal(ndr_pull_IHost_put_CHAPSecret(pull, NDR_IN, &back), NDR_ERR_SUCCESS);
	assert_string_equal(back.in.Secret, "XXXXXXXXXXXXXXX");
	/* calls without secrets are left alone */
	struct IHost_put_Description d = { 0 };
	d.in.ORPCthis.version.MajorVersion = 5;
	d.in.Description = "Very-Secret-123";
	push = ndr_push_init_ctx(mem);
	assert_int_equal(ndr_push_IHost_put_Description(push, NDR_IN, &d), NDR_ERR_SUCCESS);
	stub = ndr_push_blob(push);
	ic = &ndr_table_IHost.calls[NDR_IHOST_PUT_DESCRIPTION];
	assert_int_equal(rpc_session_log_redact(ic, NDR_IN, &d, stub.data, stub.length), 0);
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv6_reordered_and_retransmitted),
		cmocka_unit_test(test_gap_refused),
		cmocka_unit_test(test_snaplen_and_truncation_refused),
		cmocka_unit_test(test_pcapng_ethernet_ipv4),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_idmap),
		cmocka_unit_test(test_session_log_redacts_chap_secret),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
