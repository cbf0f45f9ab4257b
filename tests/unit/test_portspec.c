/* test_portspec.c: -p and --expose parse as docker's nat.ParsePortSpec, with
 * docker's messages for bad input; the HostConfig shape; binding refuses a
 * taken port and leaves nothing bound. */
#define _GNU_SOURCE
#include "tap.h"
#include "../../engine/core/cleanup.h"
#include "../../engine/core/portfwd.h"
#include "../../engine/core/util.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static void good(const char *spec, size_t n, const char *proto, int cport, const char *ip, const char *hport)
{
	struct port_mapping *m = NULL;
	size_t k = 0;
	cleanup_berr berr_t err = NULL;
	int r = portspec_parse(spec, &m, &k, &err);
	ok(r == 0, "'%s' parses%s%s", spec, err ? ": " : "", err ? err->msg : "");
	if (r == 0) {
		is_int(k, n, "'%s' gives %zu mapping(s)", spec, n);
		is_str(m[0].proto, proto, "'%s': protocol", spec);
		is_int(m[0].container_port, cport, "'%s': container port", spec);
		is_str(m[0].host_ip, ip, "'%s': host ip", spec);
		is_str(m[0].host_port, hport, "'%s': host port", spec);
	}
	free(m);
}

static void bad(const char *spec, const char *msg)
{
	struct port_mapping *m = NULL;
	size_t k = 0;
	cleanup_berr berr_t err = NULL;
	int r = portspec_parse(spec, &m, &k, &err);
	ok(r < 0, "'%s' is refused", spec);
	if (r < 0)
		is_str(err->msg, msg, "'%s': docker's message", spec);
	free(m);
}

static int listen_on(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 1) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&a, sizeof(a));
	getsockname(fd, (struct sockaddr *)&a, &len);
	close(fd);
	return ntohs(a.sin_port);
}

int main(void)
{
	good("80", 1, "tcp", 80, "", "");
	good("8080:80", 1, "tcp", 80, "", "8080");
	good("8080:80/udp", 1, "udp", 80, "", "8080");
	good("8080:80/TCP", 1, "tcp", 80, "", "8080");
	good("127.0.0.1:8080:80", 1, "tcp", 80, "127.0.0.1", "8080");
	good("127.0.0.1::80", 1, "tcp", 80, "127.0.0.1", "");
	good(":80", 1, "tcp", 80, "", "");
	good("[::1]:8080:80", 1, "tcp", 80, "::1", "8080");
	good("::1:8080:80", 1, "tcp", 80, "::1", "8080");
	good("8000-8010:80", 1, "tcp", 80, "", "8000-8010");
	good("7000-7002:7000-7002", 3, "tcp", 7000, "", "7000");
	good("7000-7002", 3, "tcp", 7000, "", "");
	good("0.0.0.0:65535:65535/udp", 1, "udp", 65535, "0.0.0.0", "65535");
	{
		struct port_mapping *m = NULL;
		size_t k = 0;
		cleanup_berr berr_t err = NULL;
		portspec_parse("7000-7002:8000-8002", &m, &k, &err);
		ok(k == 3 && m[2].container_port == 8002 && strcmp(m[2].host_port, "7002") == 0,
		   "ranges map one to one");
		free(m);
	}

	bad("", "no port specified: <empty>");
	bad("abc", "invalid containerPort: abc");
	bad("0", "invalid containerPort: 0");
	bad("70000:80", "invalid hostPort: 70000");
	bad("8080:abc", "invalid containerPort: abc");
	bad("8080:80/sctpx", "invalid proto: sctpx");
	bad("8080:80/", "invalid proto: ");
	bad("1.2.3:80:80", "invalid IP address: 1.2.3");
	bad("80:80:80:80", "invalid IP address: 80:80");
	bad("[::1:8080:80", "invalid IP address: [::1");
	bad("8080-8000:80", "invalid hostPort: 8080-8000");
	bad("80-:80", "invalid hostPort: 80-");
	bad("8080:80-", "invalid containerPort: 80-");
	bad("7000-7001:8000-8002", "invalid ranges specified for container and host Ports: 8000-8002 and 7000-7001");
	bad("+80", "invalid containerPort: +80");
	bad("8080:", "no port specified: 8080:<empty>");

	/* HostConfig.PortBindings and Config.ExposedPorts. */
	{
		char *specs[] = {"8080:80", "127.0.0.1::80", "53:53/udp", NULL};
		json_t *pb = json_object(), *ex = json_object();
		cleanup_berr berr_t err = NULL;
		ok(portspec_to_json(specs, pb, ex, &err) == 0, "specs become PortBindings");
		cleanup_free char *s = json_dumps(pb, JSON_COMPACT | JSON_SORT_KEYS);
		is_str(s,
		       "{\"53/udp\":[{\"HostIp\":\"\",\"HostPort\":\"53\"}],\"80/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"8080\"},"
		       "{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"\"}]}",
		       "docker's PortBindings shape");
		ok(json_object_get(ex, "80/tcp") && json_object_get(ex, "53/udp"), "published ports are exposed");
		json_decref(pb);
		json_decref(ex);
	}
	{
		char *specs[] = {"80", "7000-7001/udp", NULL};
		char *badv[] = {"80/sctpx", NULL};
		json_t *ex = json_object();
		cleanup_berr berr_t err = NULL;
		ok(portspec_expose(specs, ex, &err) == 0 && json_object_size(ex) == 3, "--expose ranges");
		ok(portspec_expose(badv, ex, &err) < 0, "--expose refuses a bad protocol");
		json_decref(ex);
	}

	/* Binding: a free port binds, a taken one is docker's message and
	 * nothing stays bound. */
	{
		int p1 = free_port(), p2;
		int holder;
		cleanup_berr berr_t err = NULL;
		struct pf_listener *l = NULL;
		size_t n = 0;
		char spec1[64], spec2[64];
		do
			p2 = free_port();
		while (p2 == p1);
		snprintf(spec1, sizeof(spec1), "127.0.0.1:%d:80", p1);
		snprintf(spec2, sizeof(spec2), "127.0.0.1:%d:81", p2);
		char *specs[] = {spec1, spec2, NULL};
		json_t *hc = json_object(), *pb = json_object(), *cfg = json_object(), *ex = json_object();
		portspec_to_json(specs, pb, ex, &err);
		json_object_set_new(hc, "PortBindings", pb);
		json_object_set_new(cfg, "ExposedPorts", ex);
		ok(portfwd_bind(hc, cfg, "c (id)", NULL, &l, &n, &err) == 0 && n == 2, "two free ports bind");
		portfwd_close(l, n);
		holder = listen_on(p2);
		ok(holder >= 0, "a stranger takes the second port");
		l = NULL;
		n = 0;
		ok(portfwd_bind(hc, cfg, "c (id)", NULL, &l, &n, &err) < 0, "binding now fails");
		if (err) {
			cleanup_free char *want = xasprintf("driver failed programming external connectivity on endpoint c (id): "
							    "Error starting userland proxy: listen tcp4 127.0.0.1:%d: bind: "
							    "address already in use",
							    p2);
			is_str(err->msg, want, "docker's message for a port in use");
		}
		{
			int again = listen_on(p1);
			ok(again >= 0, "the first port was released again");
			if (again >= 0)
				close(again);
		}
		berr_free(&err);
		char held[64];
		snprintf(held, sizeof(held), "tcp/127.0.0.1/%d", p2);
		char *heldv[] = {held, NULL};
		ok(portfwd_precheck(hc, cfg, "c (id)", heldv, &err) < 0 && strstr(err->msg, "port is already allocated"),
		   "a port another container holds is 'already allocated'");
		close(holder);
		json_decref(hc);
		json_decref(cfg);
	}
	return done_testing();
}
