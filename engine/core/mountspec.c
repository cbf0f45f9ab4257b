/* mountspec.c: -v, --mount and --tmpfs (see mountspec.h).  The rules are
 * docker's volume/mounts/linux_parser.go and cli/opts/mount.go. */
#define _GNU_SOURCE
#include "mountspec.h"
#include "cleanup.h"
#include "units.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mount_spec_clear(struct mount_spec *m)
{
	free(m->source);
	free(m->target);
	free(m->mode);
	free(m->propagation);
	free(m->tmpfs_options);
	memset(m, 0, sizeof(*m));
}

bool volume_name_valid(const char *name)
{
	if (!name || !isalnum((unsigned char)name[0]) || !name[1])
		return false;
	for (const char *p = name + 1; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
			return false;
	return true;
}

char *path_clean(const char *p)
{
	/* Go's filepath.Clean, for the paths a mount spec holds. */
	size_t n = strlen(p);
	char *out = xmalloc(n + 2);
	size_t o = 0;
	bool rooted = p[0] == '/';
	size_t i = 0, dotdot = 0;

	if (rooted) {
		out[o++] = '/';
		i = 1;
		dotdot = 1;
	}
	while (i < n) {
		if (p[i] == '/') {
			i++;
		} else if (p[i] == '.' && (i + 1 == n || p[i + 1] == '/')) {
			i++;
		} else if (p[i] == '.' && p[i + 1] == '.' && (i + 2 == n || p[i + 2] == '/')) {
			i += 2;
			if (o > dotdot) {
				o--;
				while (o > dotdot && out[o] != '/')
					o--;
			} else if (!rooted) {
				if (o > 0)
					out[o++] = '/';
				out[o++] = '.';
				out[o++] = '.';
				dotdot = o;
			}
		} else {
			if ((rooted && o != 1) || (!rooted && o != 0))
				out[o++] = '/';
			for (; i < n && p[i] != '/'; i++)
				out[o++] = p[i];
		}
	}
	if (o == 0)
		out[o++] = '.';
	out[o] = '\0';
	return out;
}

static bool is_propagation(const char *s)
{
	static const char *const v[] = {"private", "rprivate", "shared", "rshared", "slave", "rslave", NULL};
	for (size_t i = 0; v[i]; i++)
		if (strcmp(s, v[i]) == 0)
			return true;
	return false;
}

/* docker's ValidateMountMode; also extracts what the mode says. */
static bool mode_valid(const char *mode, bool *ro, bool *nocopy, char **propagation)
{
	cleanup_free char *m = xstrdup(mode);
	int rw = 0, label = 0, prop = 0, copy = 0, cons = 0;
	char *save = NULL;

	*ro = false;
	*nocopy = false;
	if (!*mode)
		return true;
	for (char *o = strtok_r(m, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		if (strcmp(o, "rw") == 0 || strcmp(o, "ro") == 0) {
			rw++;
			*ro = strcmp(o, "ro") == 0;
		} else if (strcmp(o, "z") == 0 || strcmp(o, "Z") == 0) {
			label++;
		} else if (is_propagation(o)) {
			prop++;
			if (propagation) {
				free(*propagation);
				*propagation = xstrdup(o);
			}
		} else if (strcmp(o, "nocopy") == 0) {
			copy++;
			*nocopy = true;
		} else if (strcmp(o, "consistent") == 0 || strcmp(o, "cached") == 0 || strcmp(o, "delegated") == 0) {
			cons++;
		} else {
			return false;
		}
	}
	/* Also ",," and a trailing comma: strtok skips them, docker does not. */
	if (strstr(mode, ",,") || mode[0] == ',' || mode[strlen(mode) - 1] == ',')
		return false;
	return rw <= 1 && label <= 1 && prop <= 1 && copy <= 1 && cons <= 1;
}

static const char *kind_name(enum mount_kind k)
{
	return k == MK_BIND ? "bind" : k == MK_VOLUME ? "volume" : "tmpfs";
}

/* The daemon's checks shared by -v and --mount (ValidateMountConfig). */
static int validate(struct mount_spec *m, const char *raw, berr_t *err)
{
	const char *kind = kind_name(m->kind);
	char prefix[512] = "";

	if (raw)
		snprintf(prefix, sizeof(prefix), "invalid volume specification: '%s': ", raw);
	if (!m->target || m->target[0] != '/')
		return berr_make(err, 0, "%sinvalid mount config for type \"%s\": invalid mount path: '%s' mount path must be absolute",
				 prefix, kind, m->target ? m->target : "");
	{
		char *c = path_clean(m->target);
		free(m->target);
		m->target = c;
	}
	if (strcmp(m->target, "/") == 0)
		return berr_make(err, 0, "%sinvalid mount config for type \"%s\": invalid specification: destination can't be '/'",
				 prefix, kind);
	switch (m->kind) {
	case MK_BIND:
		if (!m->source || !*m->source)
			return berr_make(err, 0, "%sinvalid mount config for type \"bind\": field Source must not be empty",
					 prefix);
		if (m->source[0] != '/')
			return berr_make(err, 0, "%sinvalid mount config for type \"bind\": invalid mount path: '%s' mount path must be absolute",
					 prefix, m->source);
		{
			char *c = path_clean(m->source);
			free(m->source);
			m->source = c;
		}
		if (m->nocopy)
			return berr_make(err, 0, "%sinvalid mount config for type \"bind\": nocopy is not valid for bind mounts",
					 prefix);
		break;
	case MK_VOLUME:
		if (m->source && *m->source && !volume_name_valid(m->source))
			return berr_make(err, 0,
					 "create %s: \"%s\" includes invalid characters for a local volume name, only "
					 "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, "
					 "use absolute path",
					 m->source, m->source);
		if (m->source && !*m->source) {
			free(m->source);
			m->source = NULL;
		}
		if (m->propagation && *m->propagation)
			return berr_make(err, 0, "%sinvalid mount config for type \"volume\": propagation is not valid for volumes",
					 prefix);
		break;
	case MK_TMPFS:
		if (m->source && *m->source)
			return berr_make(err, 0, "%sinvalid mount config for type \"tmpfs\": field Source must not be specified",
					 prefix);
		break;
	}
	return 0;
}

int mountspec_parse_volume(const char *spec, struct mount_spec *out, berr_t *err)
{
	cleanup_free char *s = xstrdup(spec);
	char *parts[4];
	size_t n = 0;
	const char *mode = "";

	memset(out, 0, sizeof(*out));
	out->from_v = true;
	if (!*spec)
		return berr_make(err, 0, "invalid empty volume spec");
	for (char *p = s, *q;; p = q + 1) {
		if (n == 3) {
			return berr_make(err, 0, "invalid spec: %s: too many colons", spec);
		}
		parts[n++] = p;
		if (!(q = strchr(p, ':')))
			break;
		*q = '\0';
	}
	for (size_t i = 0; i < n; i++)
		if (!*parts[i])
			return berr_make(err, 0, "invalid volume specification: '%s'", spec);
	bool ro = false, nocopy = false;
	switch (n) {
	case 1:
		out->target = xstrdup(parts[0]);
		break;
	case 2:
		if (mode_valid(parts[1], &ro, &nocopy, NULL))
			return berr_make(err, 0, "invalid volume specification: '%s'", spec);
		out->source = xstrdup(parts[0]);
		out->target = xstrdup(parts[1]);
		break;
	default:
		out->source = xstrdup(parts[0]);
		out->target = xstrdup(parts[1]);
		mode = parts[2];
		break;
	}
	out->propagation = xstrdup("");
	if (!mode_valid(mode, &ro, &nocopy, &out->propagation))
		return berr_make(err, 0, "invalid mode: %s", mode);
	out->readonly = ro;
	out->nocopy = nocopy;
	out->mode = xstrdup(mode);
	out->kind = out->source && out->source[0] == '/' ? MK_BIND : MK_VOLUME;
	if (out->kind == MK_BIND && !*out->propagation) {
		free(out->propagation);
		out->propagation = xstrdup("rprivate");
	}
	return validate(out, spec, err);
}

/* Go's strconv.ParseBool. */
static int parse_bool(const char *s, bool *out)
{
	static const char *const t[] = {"1", "t", "T", "TRUE", "true", "True", NULL};
	static const char *const f[] = {"0", "f", "F", "FALSE", "false", "False", NULL};
	for (size_t i = 0; t[i]; i++)
		if (strcmp(s, t[i]) == 0)
			return *out = true, 0;
	for (size_t i = 0; f[i]; i++)
		if (strcmp(s, f[i]) == 0)
			return *out = false, 0;
	return -1;
}

#define CLI_ERR(fmt, ...)                                                                                          \
	berr_make(err, 0, "invalid argument \"%s\" for \"--mount\" flag: " fmt, spec, ##__VA_ARGS__)

int mountspec_parse_mount(const char *spec, struct mount_spec *out, berr_t *err)
{
	cleanup_free char *s = xstrdup(spec);
	cleanup_free char *type = NULL;
	bool has_volume_opt = false, has_bind_opt = false, has_tmpfs_opt = false;
	long long tmpfs_size = -1;
	long tmpfs_mode = -1;
	char *save = NULL;

	memset(out, 0, sizeof(*out));
	out->propagation = xstrdup("");
	out->mode = xstrdup("");
	for (char *f = strtok_r(s, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(f, '=');
		cleanup_free char *key = eq ? xstrndup(f, (size_t)(eq - f)) : xstrdup(f);
		const char *val = eq ? eq + 1 : NULL;
		for (char *p = key; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (!val) {
			if (strcmp(key, "readonly") == 0 || strcmp(key, "ro") == 0) {
				out->readonly = true;
				continue;
			}
			if (strcmp(key, "volume-nocopy") == 0) {
				out->nocopy = true;
				has_volume_opt = true;
				continue;
			}
			return CLI_ERR("invalid field '%s' must be a key=value pair", f);
		}
		if (strcmp(key, "type") == 0) {
			free(type);
			type = xstrdup(val);
			for (char *p = type; *p; p++)
				*p = (char)tolower((unsigned char)*p);
		} else if (strcmp(key, "source") == 0 || strcmp(key, "src") == 0) {
			free(out->source);
			out->source = xstrdup(val);
		} else if (strcmp(key, "target") == 0 || strcmp(key, "dst") == 0 || strcmp(key, "destination") == 0) {
			free(out->target);
			out->target = xstrdup(val);
		} else if (strcmp(key, "readonly") == 0 || strcmp(key, "ro") == 0) {
			if (parse_bool(val, &out->readonly) < 0)
				return CLI_ERR("invalid value for %s: %s", key, val);
		} else if (strcmp(key, "consistency") == 0) {
			if (strcmp(val, "consistent") != 0 && strcmp(val, "cached") != 0 && strcmp(val, "delegated") != 0 &&
			    strcmp(val, "default") != 0)
				return CLI_ERR("invalid value for %s: %s", key, val);
		} else if (strcmp(key, "bind-propagation") == 0) {
			has_bind_opt = true;
			if (!is_propagation(val))
				return CLI_ERR("invalid value for %s: %s", key, val);
			free(out->propagation);
			out->propagation = xstrdup(val);
		} else if (strcmp(key, "bind-nonrecursive") == 0) {
			has_bind_opt = true;
			bool b;
			if (parse_bool(val, &b) < 0)
				return CLI_ERR("invalid value for %s: %s", key, val);
		} else if (strcmp(key, "volume-nocopy") == 0) {
			has_volume_opt = true;
			if (parse_bool(val, &out->nocopy) < 0)
				return CLI_ERR("invalid value for volume-nocopy: %s", val);
		} else if (strcmp(key, "volume-label") == 0 || strcmp(key, "volume-opt") == 0) {
			has_volume_opt = true;
		} else if (strcmp(key, "volume-driver") == 0) {
			has_volume_opt = true;
			if (strcmp(val, "local") != 0)
				return berr_make(err, 0, "error looking up volume plugin %s: plugin \"%s\" not found", val, val);
		} else if (strcmp(key, "tmpfs-size") == 0) {
			has_tmpfs_opt = true;
			tmpfs_size = parse_ram_size(val);
			if (tmpfs_size < 0)
				return CLI_ERR("invalid value for %s: %s", key, val);
		} else if (strcmp(key, "tmpfs-mode") == 0) {
			char *end;
			has_tmpfs_opt = true;
			errno = 0;
			tmpfs_mode = strtol(val, &end, 8);
			if (!*val || *end || errno || tmpfs_mode < 0 || tmpfs_mode > 07777)
				return CLI_ERR("invalid value for %s: %s", key, val);
		} else {
			return CLI_ERR("unexpected key '%s' in '%s'", key, f);
		}
	}
	if (!type)
		type = xstrdup("volume");
	if (!out->target || !*out->target)
		return CLI_ERR("target is required");
	if (strcmp(type, "bind") == 0)
		out->kind = MK_BIND;
	else if (strcmp(type, "volume") == 0)
		out->kind = MK_VOLUME;
	else if (strcmp(type, "tmpfs") == 0)
		out->kind = MK_TMPFS;
	else
		return berr_make(err, 0, "invalid mount config for type \"%s\": mount type unknown", type);
	if (has_volume_opt && out->kind != MK_VOLUME)
		return CLI_ERR("cannot mix 'volume-*' options with mount type '%s'", type);
	if (has_bind_opt && out->kind != MK_BIND)
		return CLI_ERR("cannot mix 'bind-*' options with mount type '%s'", type);
	if (has_tmpfs_opt && out->kind != MK_TMPFS)
		return CLI_ERR("cannot mix 'tmpfs-*' options with mount type '%s'", type);
	if (out->kind == MK_BIND && !*out->propagation) {
		free(out->propagation);
		out->propagation = xstrdup("rprivate");
	}
	if (out->kind == MK_TMPFS) {
		char buf[128] = "";
		size_t o = 0;
		if (tmpfs_size >= 0)
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "size=%lld", tmpfs_size);
		if (tmpfs_mode >= 0)
			snprintf(buf + o, sizeof(buf) - o, "%smode=%lo", o ? "," : "", tmpfs_mode);
		out->tmpfs_options = xstrdup(buf);
	}
	return validate(out, NULL, err);
}

/* The options docker's --tmpfs takes, flags and data alike. */
static bool tmpfs_option_valid(const char *o)
{
	static const char *const flags[] = {"ro", "rw", "exec", "noexec", "suid", "nosuid", "dev", "nodev", "atime",
					    "noatime", "diratime", "nodiratime", "relatime", "norelatime",
					    "strictatime", "nostrictatime", "sync", "async", "dirsync", "mand", "nomand",
					    "tmpcopyup", NULL};
	static const char *const data[] = {"size=", "mode=", "uid=", "gid=", "nr_inodes=", "nr_blocks=", "mpol=",
					   "huge=", NULL};
	for (size_t i = 0; flags[i]; i++)
		if (strcmp(o, flags[i]) == 0)
			return true;
	for (size_t i = 0; data[i]; i++)
		if (str_has_prefix(o, data[i]) && o[strlen(data[i])])
			return true;
	return false;
}

int mountspec_parse_tmpfs(const char *spec, struct mount_spec *out, berr_t *err)
{
	const char *colon = strchr(spec, ':');
	cleanup_free char *opts = xstrdup(colon ? colon + 1 : "");
	char *save = NULL;

	memset(out, 0, sizeof(*out));
	out->kind = MK_TMPFS;
	out->target = colon ? xstrndup(spec, (size_t)(colon - spec)) : xstrdup(spec);
	out->mode = xstrdup("");
	out->propagation = xstrdup("");
	out->tmpfs_options = xstrdup(opts);
	if (!*out->target)
		return berr_make(err, 0, "invalid tmpfs mount: %s: empty path", spec);
	{
		cleanup_free char *copy = xstrdup(opts);
		for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
			if (!tmpfs_option_valid(o))
				return berr_make(err, 0, "invalid tmpfs option [\"%s\"]", o);
			if (strcmp(o, "ro") == 0)
				out->readonly = true;
		}
	}
	if (out->target[0] != '/')
		return berr_make(err, 0, "invalid mount config for type \"tmpfs\": invalid mount path: '%s' mount path must be absolute",
				 out->target);
	return validate(out, NULL, err);
}
