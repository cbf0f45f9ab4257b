/* etcfiles.h: a container's /etc/hosts, /etc/resolv.conf and /etc/hostname.
 *
 * The runtime bind-mounts containers/<id>/{hosts,resolv.conf,hostname}
 * onto the container's /etc.  A bind mount of a file pins its inode, so
 * these files are rewritten in place (truncate and write), never replaced
 * by rename: a running container sees a peer appear in its hosts file
 * when that peer starts.
 *
 * Name resolution between containers works through these hosts files (no
 * embedded DNS server: berth has no daemon to run one).  On a
 * user-defined network a container's hosts file lists every running peer
 * by name, network aliases and short id; the engine rewrites the peers'
 * files whenever a container starts, stops, connects or disconnects.
 */
#ifndef BERTH_ETCFILES_H
#define BERTH_ETCFILES_H

#include <stddef.h>
#include "err.h"

struct hosts_peer {
	const char *ip;
	const char *name;
	char **aliases;        /* NULL-terminated, may be NULL */
	const char *id;        /* full id: the first 12 characters are listed */
};

/* docker's hosts file: the localhost lines, then "IP\tHOSTNAME" when the
 * container has an address, then one line per peer. */
char *etc_hosts_render(const char *own_ip, const char *hostname, const struct hosts_peer *peers, size_t n);

/* The host's resolv.conf as docker hands it to a container on a bridge:
 * loopback nameservers (127.0.0.53, ::1) mean nothing in another network
 * namespace, so they are dropped (systemd-resolved's upstream file is read
 * instead when it exists), and 8.8.8.8/8.8.4.4 stand in when none is left. */
char *etc_resolv_conf(void);

/* What --network host containers get: the host's files as they are. */
char *etc_host_file(const char *path);

/* Rewrite a file in place (O_TRUNC, write), creating it if missing. */
int etc_write(const char *path, const char *data, berr_t *err);

#endif
