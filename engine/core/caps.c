/* caps.c: see caps.h.
 *
 * capset(2) is called directly (no libcap): the container's process sets
 * its capabilities once, just before execve, and the two 32-bit halves of
 * the v3 ABI are all there is to it.
 */
#define _GNU_SOURCE
#include "caps.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *const names[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
	"CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
	"CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
	"CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
	"CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};
#define N_NAMES ((int)(sizeof(names) / sizeof(names[0])))

#define BIT(c) (1ULL << (c))

uint64_t caps_default(void)
{
	return BIT(CAP_CHOWN) | BIT(CAP_DAC_OVERRIDE) | BIT(CAP_FSETID) | BIT(CAP_FOWNER) | BIT(CAP_MKNOD) |
	       BIT(CAP_NET_RAW) | BIT(CAP_SETGID) | BIT(CAP_SETUID) | BIT(CAP_SETFCAP) | BIT(CAP_SETPCAP) |
	       BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_SYS_CHROOT) | BIT(CAP_KILL) | BIT(CAP_AUDIT_WRITE);
}

static int last_cap(void)
{
	static int cached = -1;
	char buf[16] = "";
	int fd;

	if (cached >= 0)
		return cached;
	cached = N_NAMES - 1;
	fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf) - 1) > 0 && atoi(buf) > 0 && atoi(buf) < 64)
			cached = atoi(buf);
		close(fd);
	}
	return cached;
}

uint64_t caps_all(void)
{
	int last = last_cap();
	return last >= 63 ? ~0ULL : (BIT(last + 1) - 1);
}

int caps_from_name(const char *name, int *cap)
{
	const char *n = strncasecmp(name, "CAP_", 4) == 0 ? name + 4 : name;
	for (int i = 0; i < N_NAMES; i++) {
		if (strcasecmp(names[i] + 4, n) == 0) {
			*cap = i;
			return 0;
		}
	}
	return -1;
}

const char *caps_name(int cap)
{
	return cap >= 0 && cap < N_NAMES ? names[cap] : NULL;
}

static bool is_all(const char *s)
{
	return strcasecmp(s, "ALL") == 0 || strcasecmp(s, "CAP_ALL") == 0;
}

static char *canonical(const char *s)
{
	char *c = strncasecmp(s, "CAP_", 4) == 0 ? xstrdup(s) : xasprintf("CAP_%s", s);
	for (char *p = c; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return c;
}

/* Validate one list; *mask gets the named caps, *all whether ALL was named. */
static int parse_list(char *const *list, const char *what, uint64_t *mask, bool *all, berr_t *err)
{
	*mask = 0;
	*all = false;
	for (size_t i = 0; list && list[i]; i++) {
		int c;
		if (is_all(list[i])) {
			*all = true;
			continue;
		}
		if (caps_from_name(list[i], &c) < 0) {
			char *canon = canonical(list[i]);
			berr_make(err, 0, "invalid %s: unknown capability: \"%s\"", what, canon);
			free(canon);
			return -1;
		}
		*mask |= BIT(c);
	}
	return 0;
}

int caps_compute(char *const *add, char *const *drop, bool privileged, uint64_t *out, berr_t *err)
{
	uint64_t addm, dropm, caps;
	bool add_all, drop_all;

	if (parse_list(add, "CapAdd", &addm, &add_all, err) < 0 || parse_list(drop, "CapDrop", &dropm, &drop_all, err) < 0)
		return -1;
	if (privileged) {
		*out = caps_all();
		return 0;
	}
	/* docker (since 20.10): ALL in --cap-add means every capability minus
	 * the drops; ALL in --cap-drop means only the explicit adds. */
	if (add_all)
		caps = caps_all() & ~dropm;
	else if (drop_all)
		caps = addm;
	else
		caps = (caps_default() | addm) & ~dropm;
	*out = caps & caps_all();
	return 0;
}

static int capget_self(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	return (int)syscall(SYS_capget, &hdr, data);
}

int caps_prepare(uint64_t set)
{
	int last = last_cap();

	for (int c = 0; c <= last; c++) {
		if (set & BIT(c))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return -1;
	}
	return prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
}

int caps_apply(uint64_t set)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2];
	uint64_t have;

	/* A capability this process lacks cannot be granted (the test host
	 * itself may run without CAP_SYS_RESOURCE): --privileged means all
	 * that we have, as with docker inside a restricted host. */
	if (capget_self(data) < 0)
		return -1;
	have = (uint64_t)data[0].permitted | ((uint64_t)data[1].permitted << 32);
	set &= have;
	memset(data, 0, sizeof(data));
	data[0].effective = data[0].permitted = (uint32_t)set;
	data[1].effective = data[1].permitted = (uint32_t)(set >> 32);
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -1;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -1;
	return prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
}
