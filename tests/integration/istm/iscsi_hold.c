/* A libiscsi initiator that logs in and stays logged in, for the session
 * tests: iscsi_hold PORTAL TARGET INITIATOR ISID_QUALIFIER [USER SECRET
 * [TARGET_USER TARGET_SECRET]]: with USER and SECRET one-way CHAP, with the
 * target's too mutual CHAP. ISID type
 * "random" (RFC 3720 10.12.5) with qualifier ISID_QUALIFIER. Prints
 * "ready LOCAL_PORT" once logged in, then logs out and exits when its
 * standard input closes (or after 120 s, so that it never outlives a test). */
#include <arpa/inet.h>
#include <iscsi/iscsi.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 5 && argc != 7 && argc != 9) {
		fprintf(stderr, "usage: %s PORTAL TARGET INITIATOR ISID_QUALIFIER [USER SECRET "
				"[TARGET_USER TARGET_SECRET]]\n", argv[0]);
		return 2;
	}
	struct iscsi_context *iscsi = iscsi_create_context(argv[3]);
	if (iscsi == NULL)
		return 1;
	unsigned long qualifier = strtoul(argv[4], NULL, 0);
	iscsi_set_isid_random(iscsi, 0x12345, (uint32_t)qualifier);
	iscsi_set_targetname(iscsi, argv[2]);
	iscsi_set_session_type(iscsi, ISCSI_SESSION_NORMAL);
	if (argc >= 7)
		iscsi_set_initiator_username_pwd(iscsi, argv[5], argv[6]);
	if (argc == 9)
		iscsi_set_target_username_pwd(iscsi, argv[7], argv[8]);
	iscsi_set_timeout(iscsi, 10);
	if (iscsi_full_connect_sync(iscsi, argv[1], -1) != 0) {
		fprintf(stderr, "login failed: %s\n", iscsi_get_error(iscsi));
		iscsi_destroy_context(iscsi);
		return 1;
	}
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	unsigned port = 0;
	if (getsockname(iscsi_get_fd(iscsi), (struct sockaddr *)&ss, &len) == 0)
		port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						      : ((struct sockaddr_in *)&ss)->sin_port);
	printf("ready %u\n", port);
	fflush(stdout);
	struct pollfd p = { .fd = 0, .events = POLLIN };
	if (poll(&p, 1, 120000) >= 0) {
		char buf[64];
		while (read(0, buf, sizeof(buf)) > 0)
			;
	}
	iscsi_logout_sync(iscsi);
	iscsi_destroy_context(iscsi);
	return 0;
}
