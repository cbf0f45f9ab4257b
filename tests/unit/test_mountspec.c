/* test_mountspec.c: -v, --mount and --tmpfs parse as docker's parsers do,
 * with docker's messages for bad input; volume names; path cleaning;
 * mount option splitting. */
#define _GNU_SOURCE
#include "tap.h"
#include "../../engine/core/cleanup.h"
#include "../../engine/core/mounts.h"
#include "../../engine/core/mountspec.h"
#include "../../engine/core/util.h"

#include <stdlib.h>
#include <sys/mount.h>

static const char *kind(enum mount_kind k)
{
	return k == MK_BIND ? "bind" : k == MK_VOLUME ? "volume" : "tmpfs";
}

static void v_good(const char *spec, const char *k, const char *src, const char *dst, bool ro)
{
	struct mount_spec m;
	cleanup_berr berr_t err = NULL;
	int r = mountspec_parse_volume(spec, &m, &err);
	ok(r == 0, "-v '%s' parses%s%s", spec, err ? ": " : "", err ? err->msg : "");
	if (r == 0) {
		is_str(kind(m.kind), k, "-v '%s': type", spec);
		is_str(m.source, src, "-v '%s': source", spec);
		is_str(m.target, dst, "-v '%s': target", spec);
		ok(m.readonly == ro, "-v '%s': %s", spec, ro ? "read-only" : "read-write");
	}
	mount_spec_clear(&m);
}

static void v_bad(const char *spec, const char *msg)
{
	struct mount_spec m;
	cleanup_berr berr_t err = NULL;
	int r = mountspec_parse_volume(spec, &m, &err);
	ok(r < 0, "-v '%s' is refused", spec);
	if (r < 0)
		is_str(err->msg, msg, "-v '%s': docker's message", spec);
	mount_spec_clear(&m);
}

static void m_good(const char *spec, const char *k, const char *src, const char *dst, bool ro)
{
	struct mount_spec m;
	cleanup_berr berr_t err = NULL;
	int r = mountspec_parse_mount(spec, &m, &err);
	ok(r == 0, "--mount '%s' parses%s%s", spec, err ? ": " : "", err ? err->msg : "");
	if (r == 0) {
		is_str(kind(m.kind), k, "--mount '%s': type", spec);
		is_str(m.source, src, "--mount '%s': source", spec);
		is_str(m.target, dst, "--mount '%s': target", spec);
		ok(m.readonly == ro, "--mount '%s': %s", spec, ro ? "read-only" : "read-write");
	}
	mount_spec_clear(&m);
}

static void m_bad(const char *spec, const char *msg)
{
	struct mount_spec m;
	cleanup_berr berr_t err = NULL;
	int r = mountspec_parse_mount(spec, &m, &err);
	ok(r < 0, "--mount '%s' is refused", spec);
	if (r < 0)
		is_str(err->msg, msg, "--mount '%s': docker's message", spec);
	mount_spec_clear(&m);
}

static void clean(const char *in, const char *want)
{
	cleanup_free char *c = path_clean(in);
	is_str(c, want, "Clean(%s)", in);
}

int main(void)
{
	v_good("/data", "volume", NULL, "/data", false);
	v_good("myvol:/data", "volume", "myvol", "/data", false);
	v_good("myvol:/data:ro", "volume", "myvol", "/data", true);
	v_good("my_vol.1-x:/data:rw,nocopy", "volume", "my_vol.1-x", "/data", false);
	v_good("/host/dir:/data", "bind", "/host/dir", "/data", false);
	v_good("/host/dir/:/data/../x/:ro,z", "bind", "/host/dir", "/x", true);
	v_good("/h:/c:rshared", "bind", "/h", "/c", false);
	{
		struct mount_spec m;
		cleanup_berr berr_t err = NULL;
		mountspec_parse_volume("/h:/c", &m, &err);
		is_str(m.propagation, "rprivate", "a bind defaults to rprivate");
		ok(m.from_v, "-v binds may create their source");
		mount_spec_clear(&m);
		mountspec_parse_volume("v:/c:nocopy", &m, &err);
		ok(m.nocopy, "nocopy is kept");
		mount_spec_clear(&m);
	}
	v_bad("", "invalid empty volume spec");
	v_bad("/a:/b:/c:/d", "invalid spec: /a:/b:/c:/d: too many colons");
	v_bad(":", "invalid volume specification: ':'");
	v_bad("/a::/b", "invalid volume specification: '/a::/b'");
	v_bad("/data:ro", "invalid volume specification: '/data:ro'");
	v_bad("/a:/b:rx", "invalid mode: rx");
	v_bad("/a:/b:ro,rw", "invalid mode: ro,rw");
	v_bad("/a:/b:ro,", "invalid mode: ro,");
	v_bad("/a:rel", "invalid volume specification: '/a:rel': invalid mount config for type \"bind\": invalid mount "
			"path: 'rel' mount path must be absolute");
	v_bad("name:/", "invalid volume specification: 'name:/': invalid mount config for type \"volume\": invalid "
			"specification: destination can't be '/'");
	v_bad("relative/path:/x", "create relative/path: \"relative/path\" includes invalid characters for a local volume "
				  "name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host "
				  "directory, use absolute path");
	v_bad("bad*name:/x", "create bad*name: \"bad*name\" includes invalid characters for a local volume name, only "
			     "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use "
			     "absolute path");
	v_bad("x", "invalid volume specification: 'x': invalid mount config for type \"volume\": invalid mount path: "
		   "'x' mount path must be absolute");
	v_bad("/h:/c:nocopy", "invalid volume specification: '/h:/c:nocopy': invalid mount config for type \"bind\": "
			      "nocopy is not valid for bind mounts");

	m_good("type=bind,source=/tmp,target=/x", "bind", "/tmp", "/x", false);
	m_good("type=bind,src=/tmp,dst=/x,readonly", "bind", "/tmp", "/x", true);
	m_good("type=bind,src=/tmp,destination=/x,ro=true", "bind", "/tmp", "/x", true);
	m_good("type=bind,src=/tmp,dst=/x,readonly=0", "bind", "/tmp", "/x", false);
	m_good("type=volume,source=myvol,target=/data", "volume", "myvol", "/data", false);
	m_good("target=/data", "volume", NULL, "/data", false);
	m_good("type=volume,target=/data,volume-nocopy", "volume", NULL, "/data", false);
	m_good("TYPE=TMPFS,target=/t,tmpfs-size=1m,tmpfs-mode=1770", "tmpfs", NULL, "/t", false);
	{
		struct mount_spec m;
		cleanup_berr berr_t err = NULL;
		mountspec_parse_mount("type=tmpfs,target=/t,tmpfs-size=1m,tmpfs-mode=1770", &m, &err);
		is_str(m.tmpfs_options, "size=1048576,mode=1770", "tmpfs-size and tmpfs-mode become mount data");
		mount_spec_clear(&m);
		mountspec_parse_mount("type=bind,src=/a,dst=/b,bind-propagation=rslave", &m, &err);
		is_str(m.propagation, "rslave", "bind-propagation");
		mount_spec_clear(&m);
	}
	m_bad("type=volume", "invalid argument \"type=volume\" for \"--mount\" flag: target is required");
	m_bad("type=bind,src=/tmp", "invalid argument \"type=bind,src=/tmp\" for \"--mount\" flag: target is required");
	m_bad("target=/x,bogus=1", "invalid argument \"target=/x,bogus=1\" for \"--mount\" flag: unexpected key 'bogus' in 'bogus=1'");
	m_bad("type=bind,src=/tmp,dst=/x,readonly=maybe",
	      "invalid argument \"type=bind,src=/tmp,dst=/x,readonly=maybe\" for \"--mount\" flag: invalid value for readonly: maybe");
	m_bad("type=bind,src=/tmp,dst=/x,volume-nocopy",
	      "invalid argument \"type=bind,src=/tmp,dst=/x,volume-nocopy\" for \"--mount\" flag: cannot mix 'volume-*' "
	      "options with mount type 'bind'");
	m_bad("type=volume,dst=/x,bind-propagation=shared",
	      "invalid argument \"type=volume,dst=/x,bind-propagation=shared\" for \"--mount\" flag: cannot mix 'bind-*' "
	      "options with mount type 'volume'");
	m_bad("type=bind,src=/a,dst=/x,tmpfs-size=1m",
	      "invalid argument \"type=bind,src=/a,dst=/x,tmpfs-size=1m\" for \"--mount\" flag: cannot mix 'tmpfs-*' "
	      "options with mount type 'bind'");
	m_bad("type=tmpfs,dst=/x,tmpfs-size=lots",
	      "invalid argument \"type=tmpfs,dst=/x,tmpfs-size=lots\" for \"--mount\" flag: invalid value for tmpfs-size: lots");
	m_bad("type=tmpfs,dst=/x,tmpfs-mode=999",
	      "invalid argument \"type=tmpfs,dst=/x,tmpfs-mode=999\" for \"--mount\" flag: invalid value for tmpfs-mode: 999");
	m_bad("type=foo,target=/x", "invalid mount config for type \"foo\": mount type unknown");
	m_bad("type=bind,target=/x", "invalid mount config for type \"bind\": field Source must not be empty");
	m_bad("type=bind,src=relative,dst=/x",
	      "invalid mount config for type \"bind\": invalid mount path: 'relative' mount path must be absolute");
	m_bad("type=tmpfs,source=/a,target=/x", "invalid mount config for type \"tmpfs\": field Source must not be specified");
	m_bad("type=volume,src=/abs,dst=/x",
	      "create /abs: \"/abs\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" "
	      "are allowed. If you intended to pass a host directory, use absolute path");
	m_bad("type=bind,src=/a,dst=rel",
	      "invalid mount config for type \"bind\": invalid mount path: 'rel' mount path must be absolute");
	m_bad("src=x,dst=/", "invalid mount config for type \"volume\": invalid specification: destination can't be '/'");
	m_bad("type=bind,src=/a,dst=/x,noval",
	      "invalid argument \"type=bind,src=/a,dst=/x,noval\" for \"--mount\" flag: invalid field 'noval' must be a key=value pair");
	m_bad("type=volume,dst=/x,volume-driver=nfs",
	      "error looking up volume plugin nfs: plugin \"nfs\" not found");

	{
		struct mount_spec m;
		cleanup_berr berr_t err = NULL;
		ok(mountspec_parse_tmpfs("/run:rw,size=64m,mode=1777,noexec", &m, &err) == 0, "--tmpfs with options");
		is_str(m.target, "/run", "--tmpfs target");
		is_str(m.tmpfs_options, "rw,size=64m,mode=1777,noexec", "--tmpfs options kept");
		mount_spec_clear(&m);
		ok(mountspec_parse_tmpfs("/t:ro", &m, &err) == 0 && m.readonly, "--tmpfs ro");
		mount_spec_clear(&m);
		ok(mountspec_parse_tmpfs("rel", &m, &err) < 0, "--tmpfs refuses a relative path");
		mount_spec_clear(&m);
		berr_free(&err);
		ok(mountspec_parse_tmpfs("/t:bogus", &m, &err) < 0 && strstr(err->msg, "bogus"), "--tmpfs refuses an unknown option");
		mount_spec_clear(&m);
		berr_free(&err);
		ok(mountspec_parse_tmpfs("/:size=1m", &m, &err) < 0, "--tmpfs refuses /");
		mount_spec_clear(&m);
	}

	ok(volume_name_valid("ab"), "two characters make a name");
	ok(!volume_name_valid("a"), "one does not (docker's regexp wants two)");
	ok(!volume_name_valid("-ab"), "a name starts with a letter or digit");
	ok(!volume_name_valid("a/b"), "no slash");
	ok(volume_name_valid("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"), "anonymous names");

	clean("/a//b/../c/", "/a/c");
	clean("/../x", "/x");
	clean("/", "/");
	clean("/a/./b/.", "/a/b");
	clean("a/../..", "..");
	clean("", ".");

	{
		unsigned long fl = MS_NOSUID;
		cleanup_free char *data = NULL;
		mount_options_split("ro,size=64m,exec,mode=1777,nodev", &fl, &data);
		ok(fl == (MS_NOSUID | MS_RDONLY | MS_NODEV), "flags are flags");
		is_str(data, "size=64m,mode=1777", "the rest is data");
	}
	return done_testing();
}
