/* seccomp_profile.c: docker-format seccomp profiles from a file
 * (--security-opt seccomp=PATH), compiled with libseccomp like the
 * built-in default (seccomp.c).
 *
 * The format is moby's profiles/seccomp (types.go): defaultAction,
 * defaultErrnoRet, architectures or archMap, and syscalls, each with names
 * (or the older name), action, errnoRet, args {index, value, valueTwo, op}
 * and includes/excludes {caps, arches, minKernel}.  As docker does, names
 * this libseccomp does not know are skipped, and a rule whose action is the
 * default one adds nothing.  Everything else that is not understood is an
 * error naming the profile and the field, because a profile quietly
 * half-applied is a hole in the sandbox.
 */
#define _GNU_SOURCE
#include "seccomp.h"
#include "caps.h"
#include "cleanup.h"
#include "util.h"

#include <errno.h>
#include <jansson.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

static int bad(berr_t *err, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(berr_t *err, const char *name, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return berr_make(err, 0, "seccomp profile %s: %s", name, msg);
}

/* "SCMP_ACT_ERRNO" with its errno (ret: errnoRet, or -1 when absent). */
static int parse_action(const char *s, long long ret, uint32_t *out)
{
	unsigned e = ret >= 0 ? (unsigned)ret : EPERM;
	if (!strcmp(s, "SCMP_ACT_ALLOW"))
		*out = SCMP_ACT_ALLOW;
	else if (!strcmp(s, "SCMP_ACT_ERRNO"))
		*out = SCMP_ACT_ERRNO(e);
	else if (!strcmp(s, "SCMP_ACT_KILL") || !strcmp(s, "SCMP_ACT_KILL_THREAD"))
		*out = SCMP_ACT_KILL_THREAD;
	else if (!strcmp(s, "SCMP_ACT_KILL_PROCESS"))
		*out = SCMP_ACT_KILL_PROCESS;
	else if (!strcmp(s, "SCMP_ACT_TRAP"))
		*out = SCMP_ACT_TRAP;
	else if (!strcmp(s, "SCMP_ACT_TRACE"))
		*out = SCMP_ACT_TRACE(ret >= 0 ? (uint16_t)ret : EPERM);
	else if (!strcmp(s, "SCMP_ACT_LOG"))
		*out = SCMP_ACT_LOG;
	else
		return -1;
	return 0;
}

static int parse_op(const char *s, enum scmp_compare *out)
{
	static const struct {
		const char *name;
		enum scmp_compare op;
	} ops[] = {{"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT}, {"SCMP_CMP_LE", SCMP_CMP_LE},
		   {"SCMP_CMP_EQ", SCMP_CMP_EQ}, {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
		   {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ}};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(s, ops[i].name)) {
			*out = ops[i].op;
			return 0;
		}
	return -1;
}

/* "SCMP_ARCH_X86_64" -> libseccomp's token, 0 when unknown. */
static uint32_t parse_arch(const char *s)
{
	char low[32];
	size_t i;
	if (!str_has_prefix(s, "SCMP_ARCH_") || strlen(s + 10) >= sizeof(low))
		return 0;
	for (i = 0; s[10 + i]; i++)
		low[i] = (char)(s[10 + i] >= 'A' && s[10 + i] <= 'Z' ? s[10 + i] - 'A' + 'a' : s[10 + i]);
	low[i] = '\0';
	return seccomp_arch_resolve_name(low);
}

/* A non-negative integer field, or -1 when absent; -2 when not one. */
static long long uint_field(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return -1;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -2;
	return json_integer_value(v);
}

/* Kernel release as major*1000+minor. */
static int kernel_version(void)
{
	struct utsname u;
	int maj = 0, min = 0;
	if (uname(&u) == 0)
		sscanf(u.release, "%d.%d", &maj, &min);
	return maj * 1000 + min;
}

/* includes/excludes: does this rule apply to a process holding caps on
 * this architecture and kernel?  (moby: every included cap is held, no
 * excluded one is.) */
static int rule_applies(json_t *f, bool include, const char *name, const char *where, uint64_t caps, bool *out,
			berr_t *err)
{
	json_t *v;
	size_t i;
	uint32_t native = seccomp_arch_native();

	if (!f || json_is_null(f))
		return 0;
	if (!json_is_object(f))
		return bad(err, name, "%s: not an object", where);
	v = json_object_get(f, "caps");
	if (v && !json_is_null(v)) {
		if (!json_is_array(v))
			return bad(err, name, "%s.caps: not a list", where);
		json_t *c;
		json_array_foreach(v, i, c)
		{
			int cap;
			if (!json_is_string(c) || caps_from_name(json_string_value(c), &cap) < 0)
				return bad(err, name, "%s.caps[%zu]: not a capability", where, i);
			bool held = (caps >> cap) & 1;
			if (include ? !held : held)
				*out = false;
		}
	}
	v = json_object_get(f, "arches");
	if (v && !json_is_null(v)) {
		bool any = false;
		json_t *a;
		if (!json_is_array(v))
			return bad(err, name, "%s.arches: not a list", where);
		json_array_foreach(v, i, a)
		{
			const char *s = json_string_value(a);
			if (!s)
				return bad(err, name, "%s.arches[%zu]: not a string", where, i);
			/* moby names them "amd64", "x86_64" ... or SCMP_ARCH_X86_64. */
			uint32_t t = parse_arch(s) ? parse_arch(s) : seccomp_arch_resolve_name(s);
			if (!t && !strcmp(s, "amd64"))
				t = SCMP_ARCH_X86_64;
			if (!t && !strcmp(s, "arm64"))
				t = SCMP_ARCH_AARCH64;
			any |= t == native;
		}
		if (json_array_size(v) > 0 && (include ? !any : any))
			*out = false;
	}
	v = json_object_get(f, "minKernel");
	if (v && !json_is_null(v)) {
		int maj, min;
		if (!json_is_string(v) || sscanf(json_string_value(v), "%d.%d", &maj, &min) != 2)
			return bad(err, name, "%s.minKernel: not a kernel version", where);
		bool newer = kernel_version() >= maj * 1000 + min;
		if (include ? !newer : newer)
			*out = false;
	}
	return 0;
}

static int add_arches(scmp_filter_ctx ctx, json_t *root, const char *name, berr_t *err)
{
	json_t *archs = json_object_get(root, "architectures"), *map = json_object_get(root, "archMap"), *a;
	uint32_t native = seccomp_arch_native();
	size_t i;
	int rc;

	if (map && !json_is_null(map)) {
		/* archMap: only the entry of this machine's architecture, with
		 * its sub-architectures. */
		json_t *e;
		if (!json_is_array(map))
			return bad(err, name, "archMap: not a list");
		json_array_foreach(map, i, e)
		{
			const char *an = json_string_value(json_object_get(e, "architecture"));
			uint32_t t = an ? parse_arch(an) : 0;
			if (!t)
				return bad(err, name, "archMap[%zu].architecture: unknown architecture", i);
			if (t != native)
				continue;
			json_t *subs = json_object_get(e, "subArchitectures");
			if (subs && !json_is_null(subs) && !json_is_array(subs))
				return bad(err, name, "archMap[%zu].subArchitectures: not a list", i);
			size_t j;
			json_array_foreach(subs, j, a)
			{
				uint32_t st = json_is_string(a) ? parse_arch(json_string_value(a)) : 0;
				if (!st)
					return bad(err, name, "archMap[%zu].subArchitectures[%zu]: unknown architecture", i, j);
				if ((rc = seccomp_arch_add(ctx, st)) < 0 && rc != -EEXIST)
					return bad(err, name, "archMap[%zu].subArchitectures[%zu]: %s", i, j, strerror(-rc));
			}
		}
		return 0;
	}
	if (!archs || json_is_null(archs))
		return 0;
	if (!json_is_array(archs))
		return bad(err, name, "architectures: not a list");
	json_array_foreach(archs, i, a)
	{
		uint32_t t = json_is_string(a) ? parse_arch(json_string_value(a)) : 0;
		if (!t)
			return bad(err, name, "architectures[%zu]: unknown architecture", i);
		if ((rc = seccomp_arch_add(ctx, t)) < 0 && rc != -EEXIST)
			return bad(err, name, "architectures[%zu]: %s", i, strerror(-rc));
	}
	return 0;
}

static int add_syscall(scmp_filter_ctx ctx, json_t *sc, size_t idx, uint32_t def, const char *name, uint64_t caps,
		       berr_t *err)
{
	char where[64];
	json_t *names = json_object_get(sc, "names"), *one = json_object_get(sc, "name"), *args, *v;
	const char *act = json_string_value(json_object_get(sc, "action"));
	long long ret = uint_field(sc, "errnoRet");
	struct scmp_arg_cmp cmp[6];
	unsigned ncmp = 0;
	uint32_t action;
	bool applies = true;
	size_t i;

	snprintf(where, sizeof(where), "syscalls[%zu]", idx);
	if (!json_is_object(sc))
		return bad(err, name, "%s: not an object", where);
	if (!act)
		return bad(err, name, "%s.action: missing", where);
	if (ret == -2)
		return bad(err, name, "%s.errnoRet: not a non-negative number", where);
	if (parse_action(act, ret, &action) < 0)
		return bad(err, name, "%s.action: unknown action \"%s\"", where, act);
	if (names && !json_is_null(names) && !json_is_array(names))
		return bad(err, name, "%s.names: not a list", where);
	if (one && !json_is_null(one) && !json_is_string(one))
		return bad(err, name, "%s.name: not a string", where);
	if ((!names || json_array_size(names) == 0) && !json_is_string(one))
		return bad(err, name, "%s: no names", where);
	args = json_object_get(sc, "args");
	if (args && !json_is_null(args)) {
		if (!json_is_array(args))
			return bad(err, name, "%s.args: not a list", where);
		if (json_array_size(args) > 6)
			return bad(err, name, "%s.args: more than 6", where);
		json_array_foreach(args, i, v)
		{
			long long index = uint_field(v, "index"), value = uint_field(v, "value");
			long long two = uint_field(v, "valueTwo");
			const char *op = json_string_value(json_object_get(v, "op"));
			enum scmp_compare c;
			if (!json_is_object(v))
				return bad(err, name, "%s.args[%zu]: not an object", where, i);
			if (index < 0 || index > 5)
				return bad(err, name, "%s.args[%zu].index: not 0 to 5", where, i);
			if (value == -2 || two == -2)
				return bad(err, name, "%s.args[%zu].value: not a non-negative number", where, i);
			if (!op || parse_op(op, &c) < 0)
				return bad(err, name, "%s.args[%zu].op: unknown operator \"%s\"", where, i, op ? op : "");
			cmp[ncmp++] = (struct scmp_arg_cmp){(unsigned)index, c, value < 0 ? 0 : (scmp_datum_t)value,
							    two < 0 ? 0 : (scmp_datum_t)two};
		}
	}
	char w2[80];
	snprintf(w2, sizeof(w2), "%s.includes", where);
	if (rule_applies(json_object_get(sc, "includes"), true, name, w2, caps, &applies, err) < 0)
		return -1;
	snprintf(w2, sizeof(w2), "%s.excludes", where);
	if (rule_applies(json_object_get(sc, "excludes"), false, name, w2, caps, &applies, err) < 0)
		return -1;
	/* A rule that repeats the default adds nothing (libseccomp refuses it). */
	if (!applies || action == def)
		return 0;
	size_t n = names && json_is_array(names) ? json_array_size(names) : 0;
	for (i = 0; i < n + (json_is_string(one) ? 1 : 0); i++) {
		const char *sn = i < n ? json_string_value(json_array_get(names, i)) : json_string_value(one);
		if (!sn)
			return bad(err, name, "%s.names[%zu]: not a string", where, i);
		int nr = seccomp_syscall_resolve_name(sn);
		if (nr == __NR_SCMP_ERROR)
			continue; /* unknown to this libseccomp: docker skips it too */
		int rc = seccomp_rule_add_array(ctx, action, nr, ncmp, cmp);
		if (rc < 0 && rc != -EEXIST && rc != -EDOM)
			return bad(err, name, "%s: cannot add a rule for %s: %s", where, sn, strerror(-rc));
	}
	return 0;
}

static int seccomp_profile_build(const char *text, size_t len, const char *name, uint64_t caps, scmp_filter_ctx *out,
			  berr_t *err)
{
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je), *sc, *v;
	const char *defs;
	long long defret;
	uint32_t def;
	scmp_filter_ctx ctx = NULL;
	size_t i;

	*out = NULL;
	if (!root)
		return bad(err, name, "invalid JSON: %s (line %d, column %d)", je.text, je.line, je.column);
	if (!json_is_object(root)) {
		json_decref(root);
		return bad(err, name, "not a JSON object");
	}
	defs = json_string_value(json_object_get(root, "defaultAction"));
	defret = uint_field(root, "defaultErrnoRet");
	if (!defs) {
		bad(err, name, "defaultAction: missing");
		goto fail;
	}
	if (defret == -2) {
		bad(err, name, "defaultErrnoRet: not a non-negative number");
		goto fail;
	}
	if (parse_action(defs, defret, &def) < 0) {
		bad(err, name, "defaultAction: unknown action \"%s\"", defs);
		goto fail;
	}
	ctx = seccomp_init(def);
	if (!ctx) {
		berr_make(err, ENOMEM, "seccomp profile %s", name);
		goto fail;
	}
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (add_arches(ctx, root, name, err) < 0)
		goto fail;
	sc = json_object_get(root, "syscalls");
	if (sc && !json_is_null(sc) && !json_is_array(sc)) {
		bad(err, name, "syscalls: not a list");
		goto fail;
	}
	json_array_foreach(sc, i, v)
	if (add_syscall(ctx, v, i, def, name, caps, err) < 0)
		goto fail;
	json_decref(root);
	*out = ctx;
	return 0;
fail:
	if (ctx)
		seccomp_release(ctx);
	json_decref(root);
	return -1;
}

int seccomp_profile_check(const char *text, size_t len, const char *name, berr_t *err)
{
	scmp_filter_ctx ctx;
	if (seccomp_profile_build(text, len, name, caps_all(), &ctx, err) < 0)
		return -1;
	seccomp_release(ctx);
	return 0;
}

int seccomp_profile_program(const char *text, uint64_t caps, struct sock_fprog *out, berr_t *err)
{
	scmp_filter_ctx ctx;
	cleanup_close int fd = -1;
	off_t size;
	int rc;

	if (seccomp_profile_build(text, strlen(text), "(from the container's SecurityOpt)", caps, &ctx, err) < 0)
		return -1;
	/* libseccomp 2.5 exports to a file descriptor only. */
	fd = memfd_create("seccomp", MFD_CLOEXEC);
	if (fd < 0) {
		seccomp_release(ctx);
		return berr_make(err, errno, "memfd_create");
	}
	rc = seccomp_export_bpf(ctx, fd);
	seccomp_release(ctx);
	if (rc < 0)
		return berr_make(err, -rc, "cannot compile the seccomp profile");
	size = lseek(fd, 0, SEEK_CUR);
	if (size <= 0 || size % (off_t)sizeof(struct sock_filter) != 0 ||
	    size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS)
		return berr_make(err, 0, "the seccomp profile compiles to a program the kernel cannot load");
	out->len = (unsigned short)(size / (off_t)sizeof(struct sock_filter));
	out->filter = xmalloc((size_t)size);
	if (pread(fd, out->filter, (size_t)size, 0) != size) {
		free(out->filter);
		out->filter = NULL;
		return berr_make(err, errno, "cannot read the compiled seccomp profile");
	}
	return 0;
}
