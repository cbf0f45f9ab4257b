/* usergroup.c: see usergroup.h. */
#define _GNU_SOURCE
#include "usergroup.h"
#include "cleanup.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int open_in_root(int rootfd, const char *path, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	while (*path == '/')
		path++;
	if (!*path)
		path = ".";
	return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
}

static bool parse_uint(const char *s, unsigned long *out)
{
	char *end;
	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno == 0 && *end == '\0' && *out <= 0xFFFFFFFFUL;
}

/* Split a colon-separated line into at most n fields (in place). */
static size_t split(char *line, char **f, size_t n)
{
	size_t i = 0;
	line[strcspn(line, "\n")] = '\0';
	while (i < n) {
		f[i++] = line;
		char *c = strchr(line, ':');
		if (!c)
			break;
		*c = '\0';
		line = c + 1;
	}
	return i;
}

static FILE *open_etc(int rootfd, const char *path)
{
	int fd = open_in_root(rootfd, path, O_RDONLY, 0);
	if (fd < 0)
		return NULL;
	FILE *f = fdopen(fd, "re");
	if (!f)
		close(fd);
	return f;
}

int user_resolve(int rootfd, const char *spec, struct exec_user *out, berr_t *err)
{
	cleanup_free char *buf = xstrdup(spec ? spec : "");
	char *user = buf, *group = strchr(buf, ':');
	unsigned long num;
	bool found_user = false, user_numeric, have_group = group != NULL;
	char line[4096], uname[256] = "";

	memset(out, 0, sizeof(*out));
	snprintf(out->home, sizeof(out->home), "/");
	if (group)
		*group++ = '\0';
	if (!*user)
		user = "0";
	user_numeric = parse_uint(user, &num);
	if (user_numeric)
		out->uid = (uid_t)num;

	{
		cleanup_fclose FILE *f = open_etc(rootfd, "/etc/passwd");
		while (f && fgets(line, sizeof(line), f)) {
			char *fl[7];
			unsigned long id;
			if (line[0] == '#' || split(line, fl, 7) < 7 || !parse_uint(fl[2], &id))
				continue;
			if (user_numeric ? id != num : strcmp(fl[0], user) != 0)
				continue;
			found_user = true;
			out->uid = (uid_t)id;
			if (parse_uint(fl[3], &id))
				out->gid = (gid_t)id;
			snprintf(out->home, sizeof(out->home), "%s", fl[5][0] ? fl[5] : "/");
			snprintf(uname, sizeof(uname), "%s", fl[0]);
			break;
		}
	}
	if (!found_user && !user_numeric)
		return berr_make(err, 0, "unable to find user %s: no matching entries in passwd file", user);

	if (have_group && *group) {
		bool gnum = parse_uint(group, &num), found = false;
		if (gnum) {
			out->gid = (gid_t)num;
			found = true;
		}
		if (!gnum) {
			cleanup_fclose FILE *f = open_etc(rootfd, "/etc/group");
			while (f && fgets(line, sizeof(line), f)) {
				char *fl[4];
				unsigned long id;
				if (line[0] == '#' || split(line, fl, 4) < 3 || !parse_uint(fl[2], &id))
					continue;
				if (strcmp(fl[0], group) == 0) {
					out->gid = (gid_t)id;
					found = true;
					break;
				}
			}
		}
		if (!found)
			return berr_make(err, 0, "unable to find group %s: no matching entries in group file", group);
		/* An explicit group replaces the supplementary list. */
		out->groups[0] = out->gid;
		out->ngroups = 1;
		return 0;
	}

	/* Supplementary groups: every group that lists the user by name. */
	if (uname[0]) {
		cleanup_fclose FILE *f = open_etc(rootfd, "/etc/group");
		while (f && fgets(line, sizeof(line), f) && out->ngroups < USER_MAX_GROUPS) {
			char *fl[4], *save = NULL;
			unsigned long id;
			if (line[0] == '#' || split(line, fl, 4) < 4 || !parse_uint(fl[2], &id))
				continue;
			for (char *m = strtok_r(fl[3], ",", &save); m; m = strtok_r(NULL, ",", &save)) {
				if (strcmp(m, uname) == 0) {
					out->groups[out->ngroups++] = (gid_t)id;
					break;
				}
			}
		}
	}
	if (out->ngroups == 0) {
		out->groups[0] = out->gid;
		out->ngroups = 1;
	}
	return 0;
}
