/* nat.c: masquerade, isolation and FORWARD accepts for a bridge (see nat.h).
 *
 * libnftables (the nftables project's own library, over libnftnl and
 * libmnl) takes the rules in nft's syntax and commits the whole buffer as
 * one netlink batch: all of a network's rules appear, or none.  Writing the
 * same expressions by hand with libnftnl would be several times the code
 * for the same messages.
 */
#define _GNU_SOURCE
#include "nat.h"
#include "cleanup.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <nftables/libnftables.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

void nat_table_name(const char *bridge, char buf[32])
{
	snprintf(buf, 32, "berth_%s", bridge);
	/* nft identifiers may not contain '-' unquoted; keep them plain. */
	for (char *p = buf; *p; p++)
		if (*p == '-')
			*p = '_';
}

static int nft_run(const char *cmds, berr_t *err)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	int rc;

	if (!ctx)
		return berr_make(err, 0, "cannot initialise libnftables");
	nft_ctx_buffer_output(ctx);
	nft_ctx_buffer_error(ctx);
	/* A batch is atomic, so a failed one changed nothing and may run
	 * again: another CLI's batch at the same moment can make the kernel
	 * refuse ours for a moment (EBUSY, EAGAIN). */
	for (int tries = 0; (rc = nft_run_cmd_from_buffer(ctx, cmds)) != 0 && tries < 4; tries++) {
		struct timespec ts = {0, 5000000L * (tries + 1)};
		nanosleep(&ts, NULL);
	}
	if (rc != 0) {
		const char *e = nft_ctx_get_error_buffer(ctx);
		cleanup_free char *msg = xstrdup(e && *e ? e : "unknown error");
		msg[strcspn(msg, "\n")] = '\0';
		nft_ctx_free(ctx);
		return berr_make(err, 0, "nftables: %s", msg);
	}
	nft_ctx_free(ctx);
	return 0;
}

/* ---- iptables ----------------------------------------------------------- */

static const char *iptables_path(void)
{
	static const char *const cands[] = {"/usr/sbin/iptables", "/sbin/iptables", "/usr/bin/iptables", NULL};
	for (size_t i = 0; cands[i]; i++)
		if (access(cands[i], X_OK) == 0)
			return cands[i];
	return NULL;
}

/* Run iptables with argv; its exit status, or -1 when it could not run. */
static int iptables(const char *const *args)
{
	const char *bin = iptables_path();
	const char *argv[24];
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int n = 0, st;

	if (!bin)
		return -1;
	argv[n++] = bin;
	argv[n++] = "-w"; /* wait for the xtables lock instead of failing */
	for (size_t i = 0; args[i] && n < 23; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (posix_spawn(&pid, bin, &fa, NULL, (char *const *)argv, environ) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The FORWARD rules for a bridge, as iptables arguments after -I/-D FORWARD. */
struct fwd_rule {
	const char *args[14];
};

static size_t forward_rules(const char *bridge, const char *comment, bool internal, struct fwd_rule *r)
{
	if (internal) {
		r[0] = (struct fwd_rule){{"-i", bridge, "-o", bridge, "-m", "comment", "--comment", comment, "-j",
					  "ACCEPT", NULL}};
		return 1;
	}
	r[0] = (struct fwd_rule){{"-i", bridge, "-m", "comment", "--comment", comment, "-j", "ACCEPT", NULL}};
	r[1] = (struct fwd_rule){{"-o", bridge, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-m", "comment",
				  "--comment", comment, "-j", "ACCEPT", NULL}};
	return 2;
}

static void forward_delete(const char *bridge)
{
	cleanup_free char *comment = xasprintf("berth %s", bridge);
	struct fwd_rule r[2];

	/* Both shapes, in case the network changed between internal and
	 * not; each -D removes one copy, so repeat until none is left. */
	for (int internal = 0; internal < 2; internal++) {
		size_t n = forward_rules(bridge, comment, internal, r);
		for (size_t i = 0; i < n; i++) {
			const char *a[20] = {"-D", "FORWARD"};
			size_t k = 2;
			for (size_t j = 0; r[i].args[j]; j++)
				a[k++] = r[i].args[j];
			a[k] = NULL;
			/* 0: one copy removed, try for another; 4: a resource
			 * problem (iptables-nft meeting a concurrent change),
			 * try again; anything else: no such rule left. */
			for (int tries = 0, rc; tries < 8 && ((rc = iptables(a)) == 0 || rc == 4); tries++)
				;
		}
	}
}

static int forward_insert(const char *bridge, bool internal, berr_t *err)
{
	cleanup_free char *comment = xasprintf("berth %s", bridge);
	struct fwd_rule r[2];
	size_t n = forward_rules(bridge, comment, internal, r);

	if (!iptables_path())
		return 0; /* no iptables, no FORWARD chain anyone could have set to DROP */
	forward_delete(bridge);
	for (size_t i = n; i-- > 0;) {
		const char *a[20] = {"-I", "FORWARD"};
		size_t k = 2;
		for (size_t j = 0; r[i].args[j]; j++)
			a[k++] = r[i].args[j];
		a[k] = NULL;
		int rc = iptables(a);
		if (rc != 0) {
			forward_delete(bridge);
			return berr_make(err, 0, "iptables: cannot add a FORWARD rule for %s (exit status %d)", bridge, rc);
		}
	}
	return 0;
}

__attribute__((format(printf, 3, 4))) static const char *xfmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return buf;
}

static void ip_forward_on(void)
{
	char c = 0;
	int fd = open("/proc/sys/net/ipv4/ip_forward", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return;
	if (read(fd, &c, 1) == 1 && c != '1') {
		if (lseek(fd, 0, SEEK_SET) == 0 && write(fd, "1\n", 2) != 2) {
			/* Without it only outbound traffic suffers; not fatal. */
		}
	}
	close(fd);
}

int nat_setup(const char *bridge, struct ipv4_net subnet, bool internal, berr_t *err)
{
	char table[32], cidr[20], line[256];
	cleanup_free char *cmds = NULL;

	nat_table_name(bridge, table);
	ipam_format_cidr(subnet, cidr);
	/* add+flush makes it idempotent; chains survive a flush, rules do not. */
	cmds = xasprintf("add table ip %1$s\n"
			 "flush table ip %1$s\n"
			 "add chain ip %1$s postrouting { type nat hook postrouting priority srcnat; policy accept; }\n"
			 "add chain ip %1$s forward { type filter hook forward priority filter; policy accept; }\n"
			 "add rule ip %1$s forward oifname \"%2$s\" iifname != \"%2$s\" ct state new drop\n"
			 "%3$s\n",
			 table, bridge,
			 internal ? xfmt(line, sizeof(line), "add rule ip %s forward iifname \"%s\" oifname != \"%s\" drop",
					 table, bridge, bridge)
				  : xfmt(line, sizeof(line), "add rule ip %s postrouting ip saddr %s oifname != \"%s\" masquerade",
					 table, cidr, bridge));
	if (nft_run(cmds, err) < 0)
		return berr_wrap(err, "cannot set up the firewall for %s", bridge);
	if (forward_insert(bridge, internal, err) < 0) {
		/* Not fatal: without a DROP policy in FORWARD (no dockerd, say)
		 * the bridge works without them.  Say so, once, where it
		 * happens. */
		fprintf(stderr, "WARNING: %s; containers on %s may not reach each other or the outside if the FORWARD "
				"policy is DROP\n",
			(*err)->msg, bridge);
		berr_free(err);
	}
	if (!internal)
		ip_forward_on();
	return 0;
}

int nat_teardown(const char *bridge, berr_t *err)
{
	char table[32];
	cleanup_free char *cmds = NULL;

	nat_table_name(bridge, table);
	if (iptables_path())
		forward_delete(bridge);
	/* "add" first so "delete" never fails on a missing table (nft 1.0.6
	 * has no "destroy"). */
	cmds = xasprintf("add table ip %1$s\ndelete table ip %1$s\n", table);
	return nft_run(cmds, err);
}
