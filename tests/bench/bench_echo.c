/* The baseline server of B1/B2: one thread, epoll, reads REQ bytes and
 * answers RESP bytes per exchange, as cheaply as a server can (no parsing,
 * no allocation): what "the same request/response sizes over TCP" costs.
 *
 *   bench_echo --listen ADDR --port N --req BYTES --resp BYTES [--cpu N]
 * Prints "ready pid=N" once listening; runs until killed. */
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_common.h"

#define MAX_FD 65536

static size_t got[MAX_FD];

int main(int argc, char **argv)
{
	const char *addr = "127.0.17.1";
	int port = 0, cpu = -1;
	size_t req = 96, resp = 96;
	static const struct option lo[] = { { "listen", 1, 0, 'l' }, { "port", 1, 0, 'p' },
					    { "req", 1, 0, 'q' },    { "resp", 1, 0, 'r' },
					    { "cpu", 1, 0, 'C' },    { 0, 0, 0, 0 } };
	int ch;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'l': addr = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'q': req = (size_t)atol(optarg); break;
		case 'r': resp = (size_t)atol(optarg); break;
		case 'C': cpu = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: bench_echo --listen ADDR --port N --req B --resp B\n");
			return 2;
		}
	}
	bench_pin(cpu);
	char *out = calloc(1, resp), *in = malloc(65536);
	int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	inet_pton(AF_INET, addr, &a.sin_addr);
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(ls, 4096) < 0) {
		perror("bench_echo: listen");
		return 1;
	}
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = ls };
	epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
	printf("ready pid=%d\n", (int)getpid());
	fflush(stdout);
	struct epoll_event evs[256];
	for (;;) {
		int n = epoll_wait(ep, evs, 256, -1);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (fd == ls) {
				int c = accept4(ls, NULL, NULL, SOCK_NONBLOCK);
				if (c < 0 || c >= MAX_FD) {
					if (c >= 0)
						close(c);
					continue;
				}
				setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				got[c] = 0;
				struct epoll_event ce = { .events = EPOLLIN, .data.fd = c };
				epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
				continue;
			}
			ssize_t k = recv(fd, in, 65536, 0);
			if (k <= 0) {
				close(fd);
				continue;
			}
			got[fd] += (size_t)k;
			while (got[fd] >= req) {
				got[fd] -= req;
				if (send(fd, out, resp, MSG_NOSIGNAL) < 0)
					break;
			}
		}
	}
}
