/* portfwd.h: published ports (-p, -P): the spec, the host sockets, and the
 * userland proxy that carries connections to the container.
 *
 * Why a userland proxy, and only that: a learner's `curl localhost:8080`
 * must work, and traffic to 127.0.0.1 never crosses the nat PREROUTING hook
 * (DNAT to a container from loopback needs route_localnet and hairpin
 * tricks, which is why docker runs docker-proxy for it too).  One small
 * process per container holds every listening socket it publishes (TCP and
 * UDP, IPv4 and IPv6), so the port is reachable at 127.0.0.1 and at every
 * other address of the host, and binding is the conflict check itself: a
 * taken port fails the bind, before the container is started.  It moves
 * bytes with splice(2) through a pipe per direction (no copy through user
 * memory), all connections on one epoll, and exits when the container does
 * (it watches its pidfd).  It needs no firewall rule, so starting a
 * container with ports costs no iptables/nft call.  The measurements are in
 * bench/ and the commit that added this file.
 *
 * The spec grammar is docker's (nat.ParsePortSpec):
 *   [IP:][HOSTPORT[-END]:]CONTAINERPORT[-END][/tcp|/udp]
 * e.g. 8080:80, 127.0.0.1:8080:80/tcp, 80 (any free host port),
 * 127.0.0.1::80, [::1]:8080:80, 8000-8010:80 (first free of a range),
 * 7000-7002:7000-7002.
 */
#ifndef BERTH_PORTFWD_H
#define BERTH_PORTFWD_H

#include <jansson.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "err.h"

struct port_mapping {
	char proto[4];          /* "tcp", "udp" */
	int container_port;
	char host_ip[64];       /* "" = every address */
	char host_port[16];     /* "" = any free port, "8080", "8000-8010" */
};

/* Parse one -p value into one mapping per container port.  Errors are
 * docker's ("invalid containerPort: abc", "invalid hostPort: 70000",
 * "invalid IP address: 1.2.3", "invalid proto: sctpx", ...). */
int portspec_parse(const char *spec, struct port_mapping **out, size_t *n, berr_t *err);

/* Add -p values to HostConfig.PortBindings and Config.ExposedPorts
 * ("80/tcp": [{"HostIp": "", "HostPort": "8080"}]), docker's shape. */
int portspec_to_json(char *const *specs, json_t *port_bindings, json_t *exposed, berr_t *err);

/* --expose values ("80", "80/udp", "7000-7002/tcp") into ExposedPorts. */
int portspec_expose(char *const *specs, json_t *exposed, berr_t *err);

/* One bound host socket. */
struct pf_listener {
	int fd;
	int socktype;           /* SOCK_STREAM or SOCK_DGRAM */
	int family;             /* AF_INET or AF_INET6 */
	char proto[4];
	int container_port;
	char host_ip[64];       /* as bound: "0.0.0.0", "::", "127.0.0.1" */
	int host_port;
};

/* Bind every port the container publishes: PortBindings, plus with
 * PublishAllPorts every ExposedPorts entry without one.  `who` names the
 * container in errors ("NAME (ID)").  `held` lists ports other containers
 * of this root hold ("tcp/0.0.0.0/8080" form) to tell docker's two
 * messages apart.  On failure nothing stays bound. */
int portfwd_bind(json_t *host_config, json_t *config, const char *who, char *const *held,
		 struct pf_listener **out, size_t *n, berr_t *err);

/* The same binds, closed again at once: `run` checks its fixed ports
 * before creating anything. */
int portfwd_precheck(json_t *host_config, json_t *config, const char *who, char *const *held, berr_t *err);

void portfwd_close(struct pf_listener *l, size_t n);

/* Fork the proxy for these listeners, forwarding to backend (the
 * container's address; ports as the listeners say).  It runs until the
 * process behind pidfd exits.  The listeners are closed in the caller. */
pid_t portfwd_proxy_spawn(struct pf_listener *l, size_t n, struct in_addr backend, int pidfd, berr_t *err);

/* Stop it (SIGKILL) and reap it. */
void portfwd_proxy_stop(pid_t pid);

/* The proxy loop itself (exposed for the benchmark helper and tests):
 * never returns. */
__attribute__((noreturn)) void portfwd_proxy_main(struct pf_listener *l, size_t n, struct in_addr backend, int pidfd);

#endif
