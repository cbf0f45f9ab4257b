/* test_portproxy.c: the userland proxy behind published ports, against
 * echo servers on 127.0.0.1 standing in for a container: TCP bytes arrive
 * intact in both directions (4 MiB, with a half-close), a refused backend
 * resets the client, UDP datagrams go and come back, and the proxy exits
 * when the process it serves does. */
#define _GNU_SOURCE
#include "tap.h"
#include "../../engine/core/cleanup.h"
#include "../../engine/core/portfwd.h"
#include "../../engine/core/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int bound(int type, int *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, type, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return -1;
	getsockname(fd, (struct sockaddr *)&a, &len);
	*port = ntohs(a.sin_port);
	if (type == SOCK_STREAM)
		listen(fd, 16);
	return fd;
}

static pid_t tcp_echo(int fd)
{
	pid_t p = fork();
	if (p == 0) {
		for (;;) {
			int c = accept(fd, NULL, NULL);
			char buf[65536];
			ssize_t n;
			if (c < 0)
				_exit(1);
			while ((n = read(c, buf, sizeof(buf))) > 0)
				if (write(c, buf, (size_t)n) != n)
					break;
			close(c); /* after the client's half-close: all echoed */
		}
	}
	return p;
}

static pid_t udp_echo(int fd)
{
	pid_t p = fork();
	if (p == 0) {
		for (;;) {
			char buf[2048];
			struct sockaddr_storage from;
			socklen_t fl = sizeof(from);
			ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
			if (n > 0)
				sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fl);
		}
	}
	return p;
}

static int connect_to(int type, int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, type, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int host_port_of(struct pf_listener *l, size_t n, const char *proto)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(l[i].proto, proto) == 0)
			return l[i].host_port;
	return -1;
}

int main(void)
{
	int tport, uport, dead_port;
	int tfd = bound(SOCK_STREAM, &tport), ufd = bound(SOCK_DGRAM, &uport);
	int dfd = bound(SOCK_STREAM, &dead_port);
	close(dfd); /* nothing listens on dead_port any more (before the forks below) */
	pid_t techo = tcp_echo(tfd), uecho = udp_echo(ufd);
	pid_t sleeper = fork();
	if (sleeper == 0) {
		pause();
		_exit(0);
	}
	int pidfd = (int)syscall(SYS_pidfd_open, sleeper, 0);
	ok(tfd >= 0 && ufd >= 0 && pidfd >= 0, "echo servers and a process to watch");

	json_t *hc = json_object(), *pb = json_object(), *cfg = json_object();
	cleanup_free char *tkey = xasprintf("%d/tcp", tport);
	cleanup_free char *ukey = xasprintf("%d/udp", uport);
	json_object_set_new(pb, tkey, json_pack("[{s:s, s:s}]", "HostIp", "127.0.0.1", "HostPort", ""));
	json_object_set_new(pb, ukey, json_pack("[{s:s, s:s}]", "HostIp", "127.0.0.1", "HostPort", ""));
	json_object_set_new(hc, "PortBindings", pb);
	struct pf_listener *l = NULL;
	size_t n = 0;
	cleanup_berr berr_t err = NULL;
	ok(portfwd_bind(hc, cfg, "t (id)", NULL, &l, &n, &err) == 0 && n == 2, "a free TCP and a free UDP port");
	int hp_t = host_port_of(l, n, "tcp"), hp_u = host_port_of(l, n, "udp");
	ok(hp_t >= 32768 && hp_u >= 32768, "from the ephemeral range, as docker picks them");
	struct in_addr lo = {htonl(INADDR_LOOPBACK)};
	pid_t proxy = portfwd_proxy_spawn(l, n, lo, pidfd, &err);
	ok(proxy > 0, "the proxy starts");
	portfwd_close(l, n);

	/* TCP: 4 MiB there and back, the client half-closing. */
	{
		size_t size = 4 << 20, got = 0, sent = 0;
		unsigned char *out = xmalloc(size), *in = xmalloc(size);
		srand(7);
		for (size_t i = 0; i < size; i++)
			out[i] = (unsigned char)rand();
		int c = connect_to(SOCK_STREAM, hp_t);
		ok(c >= 0, "a client connects through the proxy");
		struct pollfd p = {c, POLLIN | POLLOUT, 0};
		bool shut = false;
		time_t t0 = time(NULL);
		while (got < size && time(NULL) - t0 < 20) {
			if (poll(&p, 1, 1000) <= 0)
				continue;
			if ((p.revents & POLLOUT) && sent < size) {
				ssize_t w = send(c, out + sent, size - sent > 65536 ? 65536 : size - sent, MSG_DONTWAIT);
				if (w > 0)
					sent += (size_t)w;
			}
			if (sent == size && !shut) {
				shutdown(c, SHUT_WR);
				shut = true;
				p.events = POLLIN;
			}
			if (p.revents & POLLIN) {
				ssize_t r = recv(c, in + got, size - got, MSG_DONTWAIT);
				if (r == 0)
					break;
				if (r > 0)
					got += (size_t)r;
			}
		}
		is_int(got, size, "every byte comes back");
		ok(memcmp(in, out, size) == 0, "in order and unchanged");
		char x;
		ok(recv(c, &x, 1, 0) == 0, "then EOF: the half-close went through and back");
		close(c);
		free(in);
		free(out);
	}
	/* Ten connections one after another: each set up and torn down. */
	{
		int okc = 0;
		for (int i = 0; i < 10; i++) {
			int c = connect_to(SOCK_STREAM, hp_t);
			char buf[8];
			if (c >= 0 && write(c, "ping", 4) == 4 && read(c, buf, 4) == 4 && memcmp(buf, "ping", 4) == 0)
				okc++;
			if (c >= 0)
				close(c);
		}
		is_int(okc, 10, "ten short connections each answered");
	}
	/* UDP. */
	{
		int u = connect_to(SOCK_DGRAM, hp_u);
		char buf[64] = "";
		struct timeval tv = {2, 0};
		setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		ok(send(u, "datagram", 8, 0) == 8, "a datagram goes out");
		ssize_t r = recv(u, buf, sizeof(buf), 0);
		ok(r == 8 && memcmp(buf, "datagram", 8) == 0, "and comes back through the proxy");
		close(u);
	}
	/* A backend that refuses: the client is reset, the proxy lives on. */
	{
		json_t *hc2 = json_object(), *pb2 = json_object();
		struct pf_listener *l2 = NULL;
		size_t n2 = 0;
		cleanup_free char *dkey = xasprintf("%d/tcp", dead_port);
		json_object_set_new(pb2, dkey, json_pack("[{s:s, s:s}]", "HostIp", "127.0.0.1", "HostPort", ""));
		json_object_set_new(hc2, "PortBindings", pb2);
		portfwd_bind(hc2, cfg, "t (id)", NULL, &l2, &n2, &err);
		int hp = host_port_of(l2, n2, "tcp");
		pid_t proxy2 = portfwd_proxy_spawn(l2, n2, lo, pidfd, &err);
		portfwd_close(l2, n2);
		int c = connect_to(SOCK_STREAM, hp);
		char x;
		struct timeval tv = {5, 0};
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		ssize_t r = c >= 0 ? recv(c, &x, 1, 0) : 0;
		ok(r == 0 || (r < 0 && errno == ECONNRESET), "a client of a container that does not listen is closed at once");
		if (c >= 0)
			close(c);
		ok(kill(proxy2, 0) == 0, "and the proxy keeps running");
		portfwd_proxy_stop(proxy2);
		json_decref(hc2);
	}
	/* The watched process ends: so does the proxy, and its port is free. */
	{
		int st;
		kill(sleeper, SIGKILL);
		waitpid(sleeper, &st, 0);
		pid_t w = 0;
		for (int i = 0; i < 200 && w == 0; i++) {
			w = waitpid(proxy, &st, WNOHANG);
			if (w == 0)
				usleep(10000);
		}
		ok(w == proxy, "the proxy exits with the process it serves");
		int again = -1;
		{
			struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)hp_t)};
			int one = 1;
			again = socket(AF_INET, SOCK_STREAM, 0);
			a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			setsockopt(again, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
			if (bind(again, (struct sockaddr *)&a, sizeof(a)) < 0) {
				close(again);
				again = -1;
			}
		}
		ok(again >= 0, "and the host port can be bound again");
		if (again >= 0)
			close(again);
	}
	kill(techo, SIGKILL);
	kill(uecho, SIGKILL);
	while (wait(NULL) > 0)
		;
	json_decref(hc);
	json_decref(cfg);
	return done_testing();
}
