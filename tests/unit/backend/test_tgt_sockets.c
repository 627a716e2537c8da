/* tgt_sockets: tgtd's TCP connections read from a fake /proc tree (fd
 * symlinks, net/tcp and net/tcp6 as the kernel prints them), and how they
 * are matched to tgtadm's connections: by initiator address, only when the
 * choice is certain, learnt over successive looks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/tgt_sockets.h"

#define PID 4242

static char root[64];

static void write_file(const char *rel, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%d/%s", root, PID, rel);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void fd_link(const char *fd, const char *target)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%d/fd/%s", root, PID, fd);
	assert_int_equal(symlink(target, path), 0);
}

static const char tcp[] =
	"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
	/* listening portal 127.0.9.1:3260 (not established) */
	"   0: 0109007F:0CBC 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 100 1 0 100 0 -1\n"
	/* 127.0.9.1:3260 <- 127.0.0.1:44512, tgtd's */
	"   1: 0109007F:0CBC 0100007F:ADE0 01 00000000:00000000 00:00000000 00000000     0        0 101 1 0 20 4 -1\n"
	/* the same connection seen from the initiator: not tgtd's socket */
	"   2: 0100007F:ADE0 0109007F:0CBC 01 00000000:00000000 00:00000000 00000000     0        0 999 1 0 20 4 -1\n"
	/* 127.0.9.1:3260 <- 10.0.0.5:50000 and 10.0.0.5:50001, tgtd's */
	"   3: 0109007F:0CBC 0500000A:C350 01 00000000:00000000 00:00000000 00000000     0        0 102 1 0 20 4 -1\n"
	"   4: 0109007F:0CBC 0500000A:C351 01 00000000:00000000 00:00000000 00000000     0        0 103 1 0 20 4 -1\n";

/* [::1]:3260 <- [::1]:40000, and [::ffff:192.0.2.7]:3260 <- [::ffff:192.0.2.9]:40001 */
static const char tcp6[] =
	"  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
	"   0: 00000000000000000000000001000000:0CBC 00000000000000000000000001000000:9C40 01 00000000:00000000 00:00000000 00000000     0        0 104 1 0 20 4 -1\n"
	"   1: 0000000000000000FFFF0000070200C0:0CBC 0000000000000000FFFF0000090200C0:9C41 01 00000000:00000000 00:00000000 00000000     0        0 105 1 0 20 4 -1\n";

static int setup(void **state)
{
	char path[256];
	strcpy(root, "/tmp/test_tgt_sockets.XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/%d", root, PID);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/%d/fd", root, PID);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/%d/net", root, PID);
	assert_int_equal(mkdir(path, 0700), 0);
	write_file("net/tcp", tcp);
	write_file("net/tcp6", tcp6);
	fd_link("0", "/dev/null");
	fd_link("3", "socket:[100]");
	fd_link("4", "socket:[101]");
	fd_link("5", "socket:[102]");
	fd_link("6", "socket:[103]");
	fd_link("7", "socket:[104]");
	fd_link("8", "socket:[105]");
	fd_link("9", "pipe:[555]");
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_read(void **state)
{
	struct tgt_socket *s = NULL;
	size_t n = 0;
	assert_int_equal(tgt_sockets_read(NULL, root, PID, &s, &n), 0);
	/* established and tgtd's only: not the listener, not the initiator's end */
	assert_int_equal(n, 5);
	assert_string_equal(s[0].local, "127.0.9.1");
	assert_int_equal(s[0].local_port, 3260);
	assert_string_equal(s[0].remote, "127.0.0.1");
	assert_int_equal(s[0].remote_port, 44512);
	assert_string_equal(s[1].remote, "10.0.0.5");
	assert_int_equal(s[1].remote_port, 50000);
	assert_string_equal(s[3].local, "::1");
	assert_string_equal(s[3].remote, "::1");
	assert_int_equal(s[3].remote_port, 40000);
	/* IPv4-mapped addresses as tgtadm prints them */
	assert_string_equal(s[4].local, "192.0.2.7");
	assert_string_equal(s[4].remote, "192.0.2.9");
	talloc_free(s);
	assert_int_equal(tgt_sockets_read(NULL, root, PID + 1, &s, &n), -ENOENT);
}

static void test_match(void **state)
{
	struct tgt_socket *s = NULL;
	size_t n = 0;
	assert_int_equal(tgt_sockets_read(NULL, root, PID, &s, &n), 0);
	struct iscsi_connection_info c[4] = {
		{ .cid = 0, .initiator_address = "127.0.0.1" },
		{ .cid = 0, .initiator_address = "10.0.0.5" },
		{ .cid = 1, .initiator_address = "10.0.0.5" },
		{ .cid = 0, .initiator_address = "0:0::1" },
	};
	struct iscsi_session_info sessions[3] = {
		{ .tsih = 1, .conns = &c[0], .n_conns = 1 },
		{ .tsih = 2, .conns = &c[1], .n_conns = 2 },
		{ .tsih = 3, .conns = &c[3], .n_conns = 1 },
	};
	TALLOC_CTX *mem = talloc_new(NULL);
	tgt_sockets_match(NULL, mem, s, n, sessions, 3);
	assert_int_equal(c[0].initiator_port, 44512);
	assert_string_equal(c[0].target_address, "127.0.9.1");
	assert_int_equal(c[0].target_port, 3260);
	/* two sockets from 10.0.0.5: which is whose is unknown, nothing guessed */
	assert_int_equal(c[1].initiator_port, 0);
	assert_int_equal(c[2].initiator_port, 0);
	assert_null(c[1].target_address);
	/* another spelling of ::1 */
	assert_int_equal(c[3].initiator_port, 40000);
	assert_string_equal(c[3].target_address, "::1");
	talloc_free(mem);
	talloc_free(s);
}

static struct tgt_socket sock(uint16_t remote_port, uint64_t inode)
{
	struct tgt_socket s = { .local = "127.0.9.1", .local_port = 3260, .remote = "10.0.0.5",
				.remote_port = remote_port, .inode = inode };
	return s;
}

/* A multi-connection session from one address: each connection is learnt
 * when it is the only new one, kept while its socket lives; two new at once
 * stay unknown. */
static void test_learn(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct tgt_port_map *m = tgt_port_map_new(mem);
	struct tgt_socket s1[] = { sock(50000, 102) };
	struct iscsi_connection_info c[2] = { { .cid = 0, .initiator_address = "10.0.0.5" } };
	struct iscsi_session_info session = { .tsih = 2, .conns = c, .n_conns = 1 };
	assert_true(tgt_port_map_wants_look(m, s1, 1));
	tgt_sockets_match(m, mem, s1, 1, &session, 1);
	assert_int_equal(c[0].initiator_port, 50000);
	assert_false(tgt_port_map_wants_look(m, s1, 1));

	/* the second connection (CID 1, listed first as tgt does) */
	struct tgt_socket s2[] = { sock(50000, 102), sock(50001, 103) };
	assert_true(tgt_port_map_wants_look(m, s2, 2));
	c[0] = (struct iscsi_connection_info){ .cid = 1, .initiator_address = "10.0.0.5" };
	c[1] = (struct iscsi_connection_info){ .cid = 0, .initiator_address = "10.0.0.5" };
	session.n_conns = 2;
	tgt_sockets_match(m, mem, s2, 2, &session, 1);
	assert_int_equal(c[0].initiator_port, 50001);
	assert_int_equal(c[1].initiator_port, 50000);
	assert_string_equal(c[0].target_address, "127.0.9.1");

	/* CID 0 logs out: CID 1 keeps its port */
	struct tgt_socket s3[] = { sock(50001, 103) };
	c[0] = (struct iscsi_connection_info){ .cid = 1, .initiator_address = "10.0.0.5" };
	session.n_conns = 1;
	tgt_sockets_match(m, mem, s3, 1, &session, 1);
	assert_int_equal(c[0].initiator_port, 50001);

	/* a new tgtd: two connections seen at once are not told apart */
	tgt_port_map_reset(m);
	c[0] = (struct iscsi_connection_info){ .cid = 1, .initiator_address = "10.0.0.5" };
	c[1] = (struct iscsi_connection_info){ .cid = 0, .initiator_address = "10.0.0.5" };
	session.n_conns = 2;
	tgt_sockets_match(m, mem, s2, 2, &session, 1);
	assert_int_equal(c[0].initiator_port, 0);
	assert_int_equal(c[1].initiator_port, 0);
	/* nothing new to learn from the same sockets; a new one is worth a look */
	assert_false(tgt_port_map_wants_look(m, s2, 2));
	struct tgt_socket s4[] = { sock(50000, 102), sock(50001, 103), sock(50002, 104) };
	assert_true(tgt_port_map_wants_look(m, s4, 3));
	/* one of the two ends: the other is certain now */
	c[0] = (struct iscsi_connection_info){ .cid = 1, .initiator_address = "10.0.0.5" };
	session.n_conns = 1;
	tgt_sockets_match(m, mem, s3, 1, &session, 1);
	assert_int_equal(c[0].initiator_port, 50001);
	talloc_free(mem);
}

/* The kernel's own sockets (LIO's): no process holds them, the portal's
 * local end picks them out of this namespace's tables. */
static const char kernel_tcp[] =
	"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
	/* LIO's listener on 10.0.2.15:3260 */
	"   0: 0F02000A:0CBC 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 200 1 0 100 0 -1\n"
	/* 10.0.2.15:3260 <- 10.0.2.2:40000 and 10.0.2.2:40001 */
	"   1: 0F02000A:0CBC 0202000A:9C40 01 00000000:00000000 00:00000000 00000000     0        0 201 1 0 20 4 -1\n"
	"   2: 0F02000A:0CBC 0202000A:9C41 01 00000000:00000000 00:00000000 00000000     0        0 202 1 0 20 4 -1\n"
	/* istmd's endpoint mapper 10.0.2.15:1135 <- 10.0.2.2:40002: not a portal */
	"   3: 0F02000A:046F 0202000A:9C42 01 00000000:00000000 00:00000000 00000000     0        0 203 1 0 20 4 -1\n"
	/* an ended connection (TIME_WAIT) and one without an inode */
	"   4: 0F02000A:0CBC 0202000A:9C43 06 00000000:00000000 00:00000000 00000000     0        0 0 1 0 20 4 -1\n"
	"   5: 0F02000A:0CBC 0202000A:9C44 01 00000000:00000000 00:00000000 00000000     0        0 0 1 0 20 4 -1\n";

static void test_read_local(void **state)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/net", root);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/net/tcp", root);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(kernel_tcp, f);
	fclose(f);
	struct iscsi_portal portal = { "10.0.2.15", 3260 };
	struct tgt_socket *s = NULL;
	size_t n = 0;
	assert_int_equal(tgt_sockets_read_local(NULL, root, &portal, 1, &s, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(s[0].local, "10.0.2.15");
	assert_int_equal(s[0].local_port, 3260);
	assert_string_equal(s[0].remote, "10.0.2.2");
	assert_int_equal(s[0].remote_port, 40000);
	assert_int_equal(s[0].inode, 201);
	assert_int_equal(s[1].remote_port, 40001);
	talloc_free(s);
	/* a wildcard portal matches any local address; another port none */
	struct iscsi_portal any = { "0.0.0.0", 3260 };
	assert_int_equal(tgt_sockets_read_local(NULL, root, &any, 1, &s, &n), 0);
	assert_int_equal(n, 2);
	talloc_free(s);
	struct iscsi_portal other = { "10.0.2.15", 3261 };
	assert_int_equal(tgt_sockets_read_local(NULL, root, &other, 1, &s, &n), 0);
	assert_int_equal(n, 0);
	talloc_free(s);
	/* two sockets from one address: told apart once one was seen alone */
	struct tgt_port_map *m = tgt_port_map_new(NULL);
	struct iscsi_connection_info c[2] = {
		{ .cid = 0, .initiator_address = "10.0.2.2" },
		{ .cid = 0, .initiator_address = "10.0.2.2" },
	};
	struct iscsi_session_info sessions[2] = {
		{ .tsih = 1, .conns = &c[0], .n_conns = 1 },
		{ .tsih = 2, .conns = &c[1], .n_conns = 1 },
	};
	assert_int_equal(tgt_sockets_read_local(m, root, &portal, 1, &s, &n), 0);
	tgt_sockets_match(m, m, s, 1, sessions, 1);
	assert_int_equal(c[0].initiator_port, 40000);
	tgt_sockets_match(m, m, s, 2, sessions, 2);
	assert_int_equal(c[0].initiator_port, 40000);
	assert_int_equal(c[1].initiator_port, 40001);
	talloc_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_learn),
		cmocka_unit_test(test_read_local),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
