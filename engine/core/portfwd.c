/* portfwd.c: -p specs, host sockets, and the splice proxy (see portfwd.h). */
#define _GNU_SOURCE
#include "portfwd.h"
#include "cleanup.h"
#include "util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- the spec ----------------------------------------------------------- */

/* Go's strconv.ParseUint(s, 10, 16): digits only, at most 65535. */
static int parse_u16(const char *s, size_t len, unsigned *out)
{
	unsigned long v = 0;
	if (len == 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
		if (v > 65535)
			return -1;
	}
	*out = (unsigned)v;
	return 0;
}

/* docker's nat.ParsePortRange: "80" or "8000-8010". */
static int parse_range(const char *s, unsigned *start, unsigned *end)
{
	const char *dash = strchr(s, '-');
	if (!*s)
		return -1;
	if (!dash) {
		if (parse_u16(s, strlen(s), start) < 0)
			return -1;
		*end = *start;
		return 0;
	}
	if (parse_u16(s, (size_t)(dash - s), start) < 0 || parse_u16(dash + 1, strlen(dash + 1), end) < 0 ||
	    *end < *start)
		return -1;
	return 0;
}

static bool valid_ip(const char *s)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

int portspec_parse(const char *spec, struct port_mapping **out, size_t *n, berr_t *err)
{
	cleanup_free char *s = xstrdup(spec);
	char *parts[64];
	size_t np = 0;
	char *ip = "", *host = "", *cport, *proto = "tcp";
	unsigned cs, ce, hs = 0, he = 0;
	struct port_mapping *v;

	/* splitParts: the last part is the container port, the one before it
	 * the host port, everything before that (colons and all) the IP. */
	for (char *p = s, *q; np < 64; p = q + 1) {
		parts[np++] = p;
		if (!(q = strchr(p, ':')))
			break;
		*q = '\0';
	}
	if (np >= 64)
		return berr_make(err, 0, "invalid port specification: %s", spec);
	cport = parts[np - 1];
	if (np == 2) {
		host = parts[0];
	} else if (np >= 3) {
		host = parts[np - 2];
		ip = parts[0];
		for (size_t i = 1; i < np - 2; i++)
			ip[strlen(ip)] = ':'; /* rejoin: the NULs we wrote were colons */
	}
	{
		char *slash = strchr(cport, '/');
		if (slash) {
			*slash = '\0';
			proto = slash + 1;
		}
	}
	if (*ip == '[') {
		size_t l = strlen(ip);
		if (l < 2 || ip[l - 1] != ']')
			return berr_make(err, 0, "invalid IP address: %s", ip);
		ip[l - 1] = '\0';
		ip++;
	}
	if (*ip && !valid_ip(ip))
		return berr_make(err, 0, "invalid IP address: %s", ip);
	if (!*cport)
		return berr_make(err, 0, "no port specified: %s<empty>", spec);
	if (parse_range(cport, &cs, &ce) < 0 || cs == 0)
		return berr_make(err, 0, "invalid containerPort: %s", cport);
	if (*host && parse_range(host, &hs, &he) < 0)
		return berr_make(err, 0, "invalid hostPort: %s", host);
	if (*host && ce - cs != he - hs && ce != cs)
		return berr_make(err, 0, "invalid ranges specified for container and host Ports: %s and %s", cport, host);
	{
		/* docker lower-cases the protocol before checking it */
		char lower[8];
		size_t i;
		for (i = 0; proto[i] && i < sizeof(lower) - 1; i++)
			lower[i] = (char)tolower((unsigned char)proto[i]);
		lower[i] = '\0';
		if (proto[i] || (strcmp(lower, "tcp") != 0 && strcmp(lower, "udp") != 0)) {
			if (strcmp(lower, "sctp") == 0 && !proto[i])
				return berr_make(err, 0, "berth does not publish sctp ports: %s", spec);
			return berr_make(err, 0, "invalid proto: %s", proto);
		}
		proto = strcmp(lower, "tcp") == 0 ? "tcp" : "udp";
	}
	*n = ce - cs + 1;
	v = xcalloc(*n, sizeof(*v));
	for (unsigned i = 0; i <= ce - cs; i++) {
		snprintf(v[i].proto, sizeof(v[i].proto), "%s", proto);
		v[i].container_port = (int)(cs + i);
		snprintf(v[i].host_ip, sizeof(v[i].host_ip), "%s", ip);
		if (*host) {
			if (cs == ce && hs != he)
				snprintf(v[i].host_port, sizeof(v[i].host_port), "%u-%u", hs, he);
			else
				snprintf(v[i].host_port, sizeof(v[i].host_port), "%u", hs + i);
		}
	}
	*out = v;
	return 0;
}

int portspec_to_json(char *const *specs, json_t *port_bindings, json_t *exposed, berr_t *err)
{
	for (size_t i = 0; specs && specs[i]; i++) {
		struct port_mapping *m = NULL;
		size_t n = 0;
		if (portspec_parse(specs[i], &m, &n, err) < 0)
			return -1;
		for (size_t k = 0; k < n; k++) {
			char key[32];
			snprintf(key, sizeof(key), "%d/%s", m[k].container_port, m[k].proto);
			json_t *list = json_object_get(port_bindings, key);
			if (!list) {
				list = json_array();
				json_object_set_new(port_bindings, key, list);
			}
			json_array_append_new(list,
					      json_pack("{s:s, s:s}", "HostIp", m[k].host_ip, "HostPort", m[k].host_port));
			if (!json_object_get(exposed, key))
				json_object_set_new(exposed, key, json_object());
		}
		free(m);
	}
	return 0;
}

int portspec_expose(char *const *specs, json_t *exposed, berr_t *err)
{
	for (size_t i = 0; specs && specs[i]; i++) {
		cleanup_free char *s = xstrdup(specs[i]);
		char *slash = strchr(s, '/');
		const char *proto = "tcp";
		unsigned a, b;
		if (slash) {
			*slash = '\0';
			proto = slash + 1;
		}
		if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0)
			return berr_make(err, 0, "invalid proto: %s", proto);
		if (parse_range(s, &a, &b) < 0 || a == 0)
			return berr_make(err, 0, "invalid range format for --expose: %s, error: invalid port", specs[i]);
		for (unsigned p = a; p <= b; p++) {
			char key[32];
			snprintf(key, sizeof(key), "%u/%s", p, proto);
			if (!json_object_get(exposed, key))
				json_object_set_new(exposed, key, json_object());
		}
	}
	return 0;
}

/* ---- binding --------------------------------------------------------------- */

struct want {
	char proto[4];
	int container_port;
	char host_ip[64];
	unsigned lo, hi;       /* 0,0: any free port */
};

static void local_port_range(unsigned *lo, unsigned *hi)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");
	*lo = 32768;
	*hi = 60999;
	if (f) {
		unsigned a, b;
		if (fscanf(f, "%u %u", &a, &b) == 2 && a > 0 && b >= a && b <= 65535) {
			*lo = a;
			*hi = b;
		}
		fclose(f);
	}
}

static int open_bound(int family, int socktype, const char *ip, unsigned port, int *fd_out)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1, fd;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		inet_pton(AF_INET, ip, &a->sin_addr);
		len = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		inet_pton(AF_INET6, ip, &a->sin6_addr);
		len = sizeof(*a);
	}
	fd = socket(family, socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* As docker-proxy (Go's net.Listen): a port with connections in
	 * TIME_WAIT can be bound again; two listeners still cannot share it. */
	if (socktype == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || (socktype == SOCK_STREAM && listen(fd, SOMAXCONN) < 0)) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	*fd_out = fd;
	return 0;
}

struct bound {
	struct pf_listener *v;
	size_t n, cap;
};

static void add_listener(struct bound *b, int fd, int family, const struct want *w, const char *ip, unsigned port)
{
	if (b->n == b->cap)
		b->v = xrealloc(b->v, (b->cap = b->cap ? b->cap * 2 : 8) * sizeof(*b->v));
	struct pf_listener *l = &b->v[b->n++];
	memset(l, 0, sizeof(*l));
	l->fd = fd;
	l->family = family;
	l->socktype = strcmp(w->proto, "udp") == 0 ? SOCK_DGRAM : SOCK_STREAM;
	snprintf(l->proto, sizeof(l->proto), "%s", w->proto);
	l->container_port = w->container_port;
	snprintf(l->host_ip, sizeof(l->host_ip), "%s", ip);
	l->host_port = (int)port;
}

static bool held_by_us(char *const *held, const char *proto, const char *ip, unsigned port)
{
	char key[128];
	snprintf(key, sizeof(key), "%s/%s/%u", proto, ip, port);
	for (size_t i = 0; held && held[i]; i++)
		if (strcmp(held[i], key) == 0)
			return true;
	/* A wildcard bind of ours also holds the port on every address. */
	snprintf(key, sizeof(key), "%s/0.0.0.0/%u", proto, port);
	for (size_t i = 0; held && held[i]; i++)
		if (strcmp(held[i], key) == 0)
			return true;
	return false;
}

static int bind_error(berr_t *err, const char *who, char *const *held, const struct want *w, int family,
		      const char *ip, unsigned port, int e)
{
	char addr[96];
	if (family == AF_INET6)
		snprintf(addr, sizeof(addr), "[%s]:%u", ip, port);
	else
		snprintf(addr, sizeof(addr), "%s:%u", ip, port);
	if (e == EADDRINUSE && held_by_us(held, w->proto, ip, port))
		return berr_make(err, 0,
				 "driver failed programming external connectivity on endpoint %s: Bind for %s failed: port "
				 "is already allocated",
				 who, addr);
	return berr_make(err, 0,
			 "driver failed programming external connectivity on endpoint %s: Error starting userland proxy: "
			 "listen %s%c %s: bind: %s",
			 who, w->proto, family == AF_INET6 ? '6' : '4', addr,
			 e == EADDRINUSE ? "address already in use"
			 : e == EADDRNOTAVAIL ? "cannot assign requested address"
			 : e == EACCES ? "permission denied"
					 : strerror(e));
}

/* Bind one wanted port: on the given address, or on 0.0.0.0 and :: (the
 * same port on both) when none was given. */
static int bind_want(struct bound *b, const struct want *w, const char *who, char *const *held, berr_t *err)
{
	int socktype = strcmp(w->proto, "udp") == 0 ? SOCK_DGRAM : SOCK_STREAM;
	unsigned char tmp[16];
	bool any_ip = !*w->host_ip;
	int family = any_ip || inet_pton(AF_INET, w->host_ip, tmp) == 1 ? AF_INET : AF_INET6;
	const char *ip = any_ip ? "0.0.0.0" : w->host_ip;
	unsigned lo = w->lo, hi = w->hi;
	bool dynamic = lo == 0;
	int last_errno = 0;
	unsigned last_port = lo;

	if (dynamic)
		local_port_range(&lo, &hi);
	for (unsigned p = lo; p <= hi; p++) {
		int fd4 = -1, fd6 = -1;
		if (open_bound(family, socktype, ip, p, &fd4) < 0) {
			last_errno = errno;
			last_port = p;
			if (errno == EADDRINUSE)
				continue;
			break;
		}
		if (any_ip && open_bound(AF_INET6, socktype, "::", p, &fd6) < 0) {
			int e = errno;
			if (e == EADDRINUSE) {
				/* The IPv6 side is taken: the port is not free after all. */
				close(fd4);
				last_errno = e;
				last_port = p;
				continue;
			}
			fd6 = -1; /* no IPv6 on this host: IPv4 alone, as docker */
		}
		add_listener(b, fd4, family, w, ip, p);
		if (fd6 >= 0)
			add_listener(b, fd6, AF_INET6, w, "::", p);
		return 0;
	}
	if (dynamic && last_errno == EADDRINUSE)
		return berr_make(err, 0, "driver failed programming external connectivity on endpoint %s: all ports are allocated",
				 who);
	return bind_error(err, who, held, w, family, ip, last_port, last_errno ? last_errno : EADDRINUSE);
}

static int parse_port_key(const char *key, struct want *w)
{
	const char *slash = strchr(key, '/');
	unsigned p;
	memset(w, 0, sizeof(*w));
	if (parse_u16(key, slash ? (size_t)(slash - key) : strlen(key), &p) < 0 || p == 0)
		return -1;
	w->container_port = (int)p;
	snprintf(w->proto, sizeof(w->proto), "%s", slash ? slash + 1 : "tcp");
	return strcmp(w->proto, "tcp") == 0 || strcmp(w->proto, "udp") == 0 ? 0 : -1;
}

/* Everything the container publishes, as wants. */
static int collect_wants(json_t *host_config, json_t *config, struct want **out, size_t *n, berr_t *err)
{
	json_t *pb = json_object_get(host_config, "PortBindings");
	json_t *exposed = json_object_get(config, "ExposedPorts");
	bool all = json_is_true(json_object_get(host_config, "PublishAllPorts"));
	size_t cap = 8, k = 0;
	struct want *v = xmalloc(cap * sizeof(*v));
	const char *key;
	json_t *val;

	json_object_foreach(pb, key, val) {
		size_t i;
		json_t *bnd;
		json_array_foreach(val, i, bnd) {
			struct want w;
			const char *hp = json_string_value(json_object_get(bnd, "HostPort"));
			const char *hip = json_string_value(json_object_get(bnd, "HostIp"));
			if (parse_port_key(key, &w) < 0) {
				free(v);
				return berr_make(err, 0, "invalid port %s", key);
			}
			snprintf(w.host_ip, sizeof(w.host_ip), "%s", hip ? hip : "");
			if (hp && *hp && parse_range(hp, &w.lo, &w.hi) < 0) {
				free(v);
				return berr_make(err, 0, "invalid hostPort: %s", hp);
			}
			if (k == cap)
				v = xrealloc(v, (cap *= 2) * sizeof(*v));
			v[k++] = w;
		}
	}
	if (all) {
		json_object_foreach(exposed, key, val) {
			struct want w;
			if (json_object_get(pb, key) || parse_port_key(key, &w) < 0)
				continue;
			if (k == cap)
				v = xrealloc(v, (cap *= 2) * sizeof(*v));
			v[k++] = w;
		}
	}
	*out = v;
	*n = k;
	return 0;
}

int portfwd_bind(json_t *host_config, json_t *config, const char *who, char *const *held, struct pf_listener **out,
		 size_t *n, berr_t *err)
{
	cleanup_free struct want *w = NULL;
	struct bound b = {0};
	size_t nw = 0;

	*out = NULL;
	*n = 0;
	if (collect_wants(host_config, config, &w, &nw, err) < 0)
		return -1;
	for (size_t i = 0; i < nw; i++) {
		if (bind_want(&b, &w[i], who, held, err) < 0) {
			portfwd_close(b.v, b.n);
			return -1;
		}
	}
	*out = b.v;
	*n = b.n;
	return 0;
}

int portfwd_precheck(json_t *host_config, json_t *config, const char *who, char *const *held, berr_t *err)
{
	cleanup_free struct want *w = NULL;
	struct bound b = {0};
	size_t nw = 0;
	int rc = 0;

	if (collect_wants(host_config, config, &w, &nw, err) < 0)
		return -1;
	for (size_t i = 0; i < nw && rc == 0; i++)
		if (w[i].lo != 0) /* a free port is always found later */
			rc = bind_want(&b, &w[i], who, held, err);
	portfwd_close(b.v, b.n);
	return rc;
}

void portfwd_close(struct pf_listener *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (l[i].fd >= 0)
			close(l[i].fd);
	free(l);
}

/* ---- the proxy --------------------------------------------------------------- */

enum tag_kind { T_LISTEN, T_CONN, T_UDP_LISTEN, T_FLOW, T_PIDFD };

struct tag {
	enum tag_kind kind;
	void *p;
	int side;
};

#define PIPE_SIZE (256 * 1024)

struct conn {
	int fd[2];           /* 0: the client, 1: the container */
	int pipe[2][2];      /* direction d carries fd[d] -> fd[1-d] */
	size_t inpipe[2];
	bool eof[2], shut[2];
	bool connecting, dead;
	uint32_t ev[2];
	struct tag tag[2];
	struct conn *next_dead;
};

struct flow {
	struct sockaddr_storage client;
	socklen_t clen;
	int fd;              /* connected to the container */
	struct pf_listener *l;
	time_t last;
	struct tag tag;
	struct flow *next;
};

static int ep;
static struct in_addr backend_addr;
static struct conn *dead_list;
static struct flow *flows;

static void set_interest(struct conn *c, int side, uint32_t want)
{
	if (c->ev[side] == want)
		return;
	struct epoll_event e = {.events = want, .data.ptr = &c->tag[side]};
	epoll_ctl(ep, EPOLL_CTL_MOD, c->fd[side], &e);
	c->ev[side] = want;
}

static void conn_kill(struct conn *c)
{
	if (c->dead)
		return;
	c->dead = true;
	for (int i = 0; i < 2; i++) {
		close(c->fd[i]);
		close(c->pipe[i][0]);
		close(c->pipe[i][1]);
	}
	c->next_dead = dead_list;
	dead_list = c;
}

/* Move what can be moved without blocking, in both directions, then ask
 * epoll for exactly what would let more move. */
static void conn_pump(struct conn *c)
{
	for (int d = 0; d < 2 && !c->dead; d++) {
		int src = c->fd[d], dst = c->fd[1 - d];
		for (;;) {
			if (c->inpipe[d] > 0) {
				ssize_t n = splice(c->pipe[d][0], NULL, dst, NULL, c->inpipe[d],
						   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
				if (n > 0) {
					c->inpipe[d] -= (size_t)n;
					continue;
				}
				if (n < 0 && (errno == EAGAIN || errno == EINTR))
					break;
				conn_kill(c);
				return;
			}
			if (c->eof[d]) {
				if (!c->shut[d]) {
					shutdown(dst, SHUT_WR);
					c->shut[d] = true;
				}
				break;
			}
			ssize_t n = splice(src, NULL, c->pipe[d][1], NULL, PIPE_SIZE, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				c->inpipe[d] += (size_t)n;
				continue;
			}
			if (n == 0) {
				c->eof[d] = true;
				continue;
			}
			if (errno == EAGAIN || errno == EINTR)
				break;
			conn_kill(c);
			return;
		}
	}
	if (c->dead)
		return;
	if (c->shut[0] && c->shut[1]) {
		conn_kill(c);
		return;
	}
	for (int s = 0; s < 2; s++) {
		uint32_t want = 0;
		if (!c->eof[s] && c->inpipe[s] == 0)
			want |= EPOLLIN;
		if (c->inpipe[1 - s] > 0)
			want |= EPOLLOUT;
		set_interest(c, s, want);
	}
}

static void tune(int fd)
{
	int one = 1;
	/* Requests and answers go through at once, as through Go's
	 * docker-proxy (Go sets TCP_NODELAY on every connection). */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void accept_all(struct pf_listener *l)
{
	for (;;) {
		int cfd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return; /* EAGAIN, or out of fds: try at the next wakeup */
		}
		struct conn *c = xcalloc(1, sizeof(*c));
		struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)l->container_port),
					 .sin_addr = backend_addr};
		c->fd[0] = cfd;
		c->fd[1] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c->fd[1] < 0 || pipe2(c->pipe[0], O_NONBLOCK | O_CLOEXEC) < 0) {
			close(cfd);
			if (c->fd[1] >= 0)
				close(c->fd[1]);
			free(c);
			continue;
		}
		if (pipe2(c->pipe[1], O_NONBLOCK | O_CLOEXEC) < 0) {
			close(cfd);
			close(c->fd[1]);
			close(c->pipe[0][0]);
			close(c->pipe[0][1]);
			free(c);
			continue;
		}
		fcntl(c->pipe[0][1], F_SETPIPE_SZ, PIPE_SIZE);
		fcntl(c->pipe[1][1], F_SETPIPE_SZ, PIPE_SIZE);
		tune(cfd);
		tune(c->fd[1]);
		for (int s = 0; s < 2; s++)
			c->tag[s] = (struct tag){T_CONN, c, s};
		int rc = connect(c->fd[1], (struct sockaddr *)&to, sizeof(to));
		struct epoll_event e0 = {.events = 0, .data.ptr = &c->tag[0]};
		struct epoll_event e1 = {.events = EPOLLOUT, .data.ptr = &c->tag[1]};
		epoll_ctl(ep, EPOLL_CTL_ADD, c->fd[0], &e0);
		epoll_ctl(ep, EPOLL_CTL_ADD, c->fd[1], &e1);
		c->ev[0] = 0;
		c->ev[1] = EPOLLOUT;
		if (rc == 0) {
			conn_pump(c);
		} else if (errno == EINPROGRESS) {
			c->connecting = true;
		} else {
			/* The container is not listening: the client sees a reset. */
			struct linger lg = {1, 0};
			setsockopt(cfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			conn_kill(c);
		}
	}
}

static void conn_event(struct conn *c, int side, uint32_t events)
{
	if (c->dead)
		return;
	if (c->connecting) {
		int e = 0;
		socklen_t len = sizeof(e);
		if (side != 1)
			return;
		getsockopt(c->fd[1], SOL_SOCKET, SO_ERROR, &e, &len);
		if (e != 0) {
			struct linger lg = {1, 0};
			setsockopt(c->fd[0], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			conn_kill(c);
			return;
		}
		c->connecting = false;
	}
	(void)events;
	conn_pump(c);
}

static struct flow *flow_for(struct pf_listener *l, struct sockaddr_storage *from, socklen_t flen)
{
	for (struct flow *f = flows; f; f = f->next)
		if (f->l == l && f->clen == flen && memcmp(&f->client, from, flen) == 0)
			return f;
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)l->container_port),
				 .sin_addr = backend_addr};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	if (connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0) {
		close(fd);
		return NULL;
	}
	struct flow *f = xcalloc(1, sizeof(*f));
	memcpy(&f->client, from, flen);
	f->clen = flen;
	f->fd = fd;
	f->l = l;
	f->tag = (struct tag){T_FLOW, f, 0};
	struct epoll_event e = {.events = EPOLLIN, .data.ptr = &f->tag};
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
	f->next = flows;
	flows = f;
	return f;
}

static void udp_in(struct pf_listener *l)
{
	static char buf[65536];
	for (;;) {
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(l->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		struct flow *f = flow_for(l, &from, flen);
		if (!f)
			continue;
		f->last = time(NULL);
		send(f->fd, buf, (size_t)n, 0);
	}
}

static void flow_in(struct flow *f)
{
	static char buf[65536];
	for (;;) {
		ssize_t n = recv(f->fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		f->last = time(NULL);
		sendto(f->l->fd, buf, (size_t)n, 0, (struct sockaddr *)&f->client, f->clen);
	}
}

/* docker-proxy forgets a UDP client after 90 s of silence. */
static void flows_expire(void)
{
	time_t now = time(NULL);
	for (struct flow **pp = &flows; *pp;) {
		struct flow *f = *pp;
		if (now - f->last > 90) {
			*pp = f->next;
			close(f->fd);
			free(f);
		} else {
			pp = &f->next;
		}
	}
}

void portfwd_proxy_main(struct pf_listener *l, size_t n, struct in_addr backend, int pidfd)
{
	struct epoll_event evs[64];
	struct tag *ltags = xcalloc(n + 1, sizeof(*ltags));

	signal(SIGPIPE, SIG_IGN);
	backend_addr = backend;
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		_exit(1);
	for (size_t i = 0; i < n; i++) {
		ltags[i] = (struct tag){l[i].socktype == SOCK_DGRAM ? T_UDP_LISTEN : T_LISTEN, &l[i], 0};
		struct epoll_event e = {.events = EPOLLIN, .data.ptr = &ltags[i]};
		epoll_ctl(ep, EPOLL_CTL_ADD, l[i].fd, &e);
	}
	if (pidfd >= 0) {
		ltags[n] = (struct tag){T_PIDFD, NULL, 0};
		struct epoll_event e = {.events = EPOLLIN, .data.ptr = &ltags[n]};
		epoll_ctl(ep, EPOLL_CTL_ADD, pidfd, &e);
	}
	for (;;) {
		int k = epoll_wait(ep, evs, 64, flows ? 10000 : -1);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		for (int i = 0; i < k; i++) {
			struct tag *t = evs[i].data.ptr;
			switch (t->kind) {
			case T_PIDFD:
				_exit(0); /* the container is gone */
			case T_LISTEN:
				accept_all(t->p);
				break;
			case T_UDP_LISTEN:
				udp_in(t->p);
				break;
			case T_FLOW:
				flow_in(t->p);
				break;
			case T_CONN:
				conn_event(t->p, t->side, evs[i].events);
				break;
			}
		}
		while (dead_list) {
			struct conn *c = dead_list;
			dead_list = c->next_dead;
			free(c);
		}
		if (flows)
			flows_expire();
	}
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

pid_t portfwd_proxy_spawn(struct pf_listener *l, size_t n, struct in_addr backend, int pidfd, berr_t *err)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return berr_make(err, errno, "cannot start the port proxy");
	if (pid > 0)
		return pid;

	/* The child: its own session (a Ctrl-C for the container's terminal
	 * is not for it), no stdio, and no fd but its own: a copy of the
	 * container's stdin pipe would keep the container from ever seeing
	 * EOF, and the caller's stdout would keep `$(berth run -d ...)` open. */
	setsid();
	prctl(PR_SET_NAME, "berth-proxy", 0, 0, 0);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}
	int *keep = xcalloc(n + 2, sizeof(int));
	size_t nk = 0;
	for (size_t i = 0; i < n; i++)
		keep[nk++] = l[i].fd;
	if (pidfd >= 0)
		keep[nk++] = pidfd;
	qsort(keep, nk, sizeof(int), cmp_int);
	unsigned from = 3;
	for (size_t i = 0; i < nk; i++) {
		if ((unsigned)keep[i] > from)
			close_range(from, (unsigned)keep[i] - 1, 0);
		from = (unsigned)keep[i] + 1;
	}
	close_range(from, ~0u, 0);
	free(keep);
	portfwd_proxy_main(l, n, backend, pidfd);
}

void portfwd_proxy_stop(pid_t pid)
{
	int st;
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
}
