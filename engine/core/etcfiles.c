/* etcfiles.c: hosts, resolv.conf and hostname for containers (see etcfiles.h). */
#define _GNU_SOURCE
#include "etcfiles.h"
#include "cleanup.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char localhost_lines[] = "127.0.0.1\tlocalhost\n"
				      "::1\tlocalhost ip6-localhost ip6-loopback\n"
				      "fe00::0\tip6-localnet\n"
				      "ff00::0\tip6-mcastprefix\n"
				      "ff02::1\tip6-allnodes\n"
				      "ff02::2\tip6-allrouters\n";

char *etc_hosts_render(const char *own_ip, const char *hostname, const struct hosts_peer *peers, size_t n)
{
	char *out = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&out, &len);

	fputs(localhost_lines, m);
	if (own_ip && *own_ip && hostname && *hostname)
		fprintf(m, "%s\t%s\n", own_ip, hostname);
	for (size_t i = 0; i < n; i++) {
		fprintf(m, "%s\t%s", peers[i].ip, peers[i].name);
		for (char **a = peers[i].aliases; a && *a; a++)
			if (strcmp(*a, peers[i].name) != 0)
				fprintf(m, " %s", *a);
		if (peers[i].id && strlen(peers[i].id) >= 12)
			fprintf(m, " %.12s", peers[i].id);
		fputc('\n', m);
	}
	fclose(m);
	return out;
}

static bool is_loopback_ns(const char *addr)
{
	return str_has_prefix(addr, "127.") || strcmp(addr, "::1") == 0;
}

/* Keep a resolv.conf's lines but its loopback nameservers; true when a
 * usable nameserver remained. */
static bool filter_resolv(const char *path, FILE *to)
{
	cleanup_fclose FILE *f = fopen(path, "re");
	char line[1024];
	bool ns = false;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char addr[256];
		if (sscanf(line, " nameserver %255s", addr) == 1) {
			if (is_loopback_ns(addr))
				continue;
			ns = true;
		}
		fputs(line, to);
		if (!strchr(line, '\n'))
			fputc('\n', to);
	}
	return ns;
}

char *etc_resolv_conf(void)
{
	char *out = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&out, &len);
	bool ns;

	/* systemd-resolved's stub (127.0.0.53) forwards to the servers in
	 * this file, which a container can reach directly, as docker does. */
	ns = filter_resolv("/run/systemd/resolve/resolv.conf", m);
	if (!ns) {
		fclose(m);
		free(out);
		out = NULL;
		len = 0;
		m = open_memstream(&out, &len);
		ns = filter_resolv("/etc/resolv.conf", m);
	}
	if (!ns)
		fputs("nameserver 8.8.8.8\nnameserver 8.8.4.4\n", m);
	fclose(m);
	return out;
}

char *etc_host_file(const char *path)
{
	char *data = NULL;
	size_t len = 0;
	cleanup_berr berr_t e = NULL;
	if (read_file(path, &data, &len, &e) < 0)
		return xstrdup("");
	return data;
}

int etc_write(const char *path, const char *data, berr_t *err)
{
	cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	size_t len = strlen(data), off = 0;

	if (fd < 0)
		return berr_make(err, errno, "cannot write %s", path);
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return berr_make(err, errno, "cannot write %s", path);
		}
		off += (size_t)n;
	}
	return 0;
}
