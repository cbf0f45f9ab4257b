/* test_runtime_parsers.c: the runtime's parsers of what users and images
 * hand it: sizes, signals, ulimits, restart policies, timestamps,
 * capabilities, users from an image's /etc/passwd and /etc/group, log
 * records, and docker's duration words. */
#define _GNU_SOURCE
#include "tap.h"
#include "../../engine/core/caps.h"
#include "../../engine/core/logfile.h"
#include "../../engine/core/units.h"
#include "../../engine/core/usergroup.h"
#include "../../engine/core/util.h"
#include "../../engine/core/cleanup.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void sizes(void)
{
	is_int(parse_ram_size("512m"), 512LL << 20, "512m is 512 MiB (docker's binary units)");
	is_int(parse_ram_size("1g"), 1LL << 30, "1g");
	is_int(parse_ram_size("1.5G"), 3LL << 29, "1.5G");
	is_int(parse_ram_size("10KiB"), 10240, "10KiB");
	is_int(parse_ram_size("100kb"), 102400, "100kb");
	is_int(parse_ram_size("4096"), 4096, "a bare number is bytes");
	is_int(parse_ram_size("7b"), 7, "b suffix");
	is_int(parse_ram_size("lots"), -1, "lots is not a size");
	is_int(parse_ram_size("10x"), -1, "an unknown suffix");
	is_int(parse_ram_size("-1m"), -1, "negative");
	is_int(parse_ram_size(""), -1, "empty");
	is_int(parse_ram_size("1mbb"), -1, "trailing garbage");
	is_int(parse_ram_size("1.2.3m"), -1, "two dots");
}

static void signals(void)
{
	is_int(parse_signal("TERM"), SIGTERM, "TERM");
	is_int(parse_signal("SIGKILL"), SIGKILL, "SIGKILL");
	is_int(parse_signal("sigusr1"), SIGUSR1, "any case");
	is_int(parse_signal("9"), 9, "a number");
	is_int(parse_signal("FOO"), 0, "unknown name");
	is_int(parse_signal("0"), 0, "0 is not a signal");
	is_int(parse_signal("65"), 0, "beyond the last signal");
	is_int(parse_signal(""), 0, "empty");
	is_str(signal_name(SIGTERM), "SIGTERM", "name of 15");
}

static void ulimits(void)
{
	struct ulimit u;
	char why[256];
	is_int(parse_ulimit("nofile=10:20", &u, why, sizeof(why)), 0, "nofile=10:20 parses");
	ok(u.resource == RLIMIT_NOFILE && u.soft == 10 && u.hard == 20, "soft 10, hard 20");
	is_int(parse_ulimit("nproc=5", &u, why, sizeof(why)), 0, "one value sets both");
	ok(u.soft == 5 && u.hard == 5, "soft = hard = 5");
	is_int(parse_ulimit("bad", &u, why, sizeof(why)), -1, "no '='");
	is_str(why, "invalid ulimit argument: bad", "docker's message for it");
	is_int(parse_ulimit("foo=1", &u, why, sizeof(why)), -1, "unknown type");
	is_str(why, "invalid ulimit type: foo", "docker's message for it");
	is_int(parse_ulimit("nofile=20:10", &u, why, sizeof(why)), -1, "soft above hard");
	is_int(parse_ulimit("nofile=1:2:3", &u, why, sizeof(why)), -1, "three values");
	is_int(parse_ulimit("nofile=x", &u, why, sizeof(why)), -1, "not a number");
}

static void restart(void)
{
	struct restart_policy p;
	berr_t err = NULL;
	is_int(parse_restart("always", &p, &err), 0, "always");
	is_int(parse_restart("on-failure:3", &p, &err), 0, "on-failure:3");
	ok(strcmp(p.name, "on-failure") == 0 && p.max_retry == 3, "name and count");
	is_int(parse_restart("", &p, &err), 0, "empty means no");
	is_str(p.name, "no", "no");
	is_int(parse_restart("foo", &p, &err), -1, "unknown policy");
	ok(err && strstr(err->msg, "invalid restart policy 'foo'"), "docker's message");
	berr_free(&err);
	is_int(parse_restart("on-failure:x", &p, &err), -1, "bad count");
	berr_free(&err);
	is_int(parse_restart("always:3", &p, &err), -1, "a count for always");
	berr_free(&err);
	is_int(parse_restart(":3", &p, &err), -1, "no policy before the colon");
	berr_free(&err);
}

static void durations(void)
{
	char b[64];
	human_duration(500000000LL, b, sizeof(b));
	is_str(b, "Less than a second", "under a second");
	human_duration(1000000000LL, b, sizeof(b));
	is_str(b, "1 second", "one second");
	human_duration(45 * 1000000000LL, b, sizeof(b));
	is_str(b, "45 seconds", "45 seconds");
	human_duration(90 * 1000000000LL, b, sizeof(b));
	is_str(b, "About a minute", "90 s is about a minute");
	human_duration(3600 * 1000000000LL, b, sizeof(b));
	is_str(b, "About an hour", "an hour");
	human_duration(3 * 86400 * 1000000000LL, b, sizeof(b));
	is_str(b, "3 days", "three days");
	human_size_binary(1536, b, sizeof(b));
	is_str(b, "1.5KiB", "binary size");
	human_size_decimal(0, b, sizeof(b));
	is_str(b, "0B", "zero bytes");
	human_size_decimal(4261000, b, sizeof(b));
	is_str(b, "4.261MB", "decimal size, four digits");
	human_size_decimal3(4261000, b, sizeof(b));
	is_str(b, "4.26MB", "decimal size, three digits (images' SIZE)");
	human_since(0, b, sizeof(b));
	is_str(b, "N/A", "no creation time is N/A");
	human_since((long long)time(NULL) - 3 * 86400, b, sizeof(b));
	is_str(b, "3 days ago", "three days ago");
	human_since((long long)time(NULL) + 3600, b, sizeof(b));
	is_str(b, "Less than a second ago", "a time in the future");
}

static void timestamps(void)
{
	long long now = 1700000000LL * 1000000000LL;
	is_int(parse_timestamp("2024-01-01T00:00:00Z", now), 1704067200LL * 1000000000LL, "RFC 3339 UTC");
	is_int(parse_timestamp("2024-01-01T00:00:00.5Z", now), 1704067200LL * 1000000000LL + 500000000LL, "fraction");
	is_int(parse_timestamp("2024-01-01T01:00:00+01:00", now), 1704067200LL * 1000000000LL, "offset");
	is_int(parse_timestamp("10m", now), now - 600LL * 1000000000LL, "relative minutes");
	is_int(parse_timestamp("1h30m", now), now - 5400LL * 1000000000LL, "relative hours and minutes");
	is_int(parse_timestamp("1700000000", now), 1700000000LL * 1000000000LL, "unix seconds");
	is_int(parse_timestamp("garbage", now), -1, "garbage");
	is_int(parse_timestamp("", now), -1, "empty");
	is_int(parse_timestamp("2024-13-45T99:00:00Z", now), -1, "impossible date");
}

static void capabilities(void)
{
	uint64_t c;
	berr_t err = NULL;
	char *add[] = {"NET_ADMIN", NULL}, *drop[] = {"CAP_NET_RAW", NULL}, *all[] = {"ALL", NULL},
	     *chown[] = {"chown", NULL}, *bad[] = {"FOO", NULL};
	is_int(caps_compute(NULL, NULL, false, &c, &err), 0, "defaults");
	is_int((long long)c, 0xa80425fbLL, "docker's 14: a80425fb");
	caps_compute(add, drop, false, &c, &err);
	is_int((long long)c, (0xa80425fbLL | (1LL << 12)) & ~(1LL << 13), "add NET_ADMIN, drop NET_RAW");
	caps_compute(chown, all, false, &c, &err);
	is_int((long long)c, 1, "drop ALL keeps only the adds");
	caps_compute(all, drop, false, &c, &err);
	ok(c == (caps_all() & ~(1ULL << 13)), "add ALL minus the drops");
	caps_compute(NULL, NULL, true, &c, &err);
	ok(c == caps_all(), "privileged is everything");
	is_int(caps_compute(bad, NULL, false, &c, &err), -1, "an unknown capability");
	is_str(err ? err->msg : NULL, "invalid CapAdd: unknown capability: \"CAP_FOO\"", "docker's message");
	berr_free(&err);
}

static void users(void)
{
	char dir[] = "/tmp/berth-ug.XXXXXX";
	struct exec_user u;
	berr_t err = NULL;
	ok(mkdtemp(dir) != NULL, "a scratch root");
	cleanup_free char *etc = xasprintf("%s/etc", dir);
	mkdir(etc, 0755);
	const char *pw = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n"
			 "web:x:33:33::/var/www:/bin/sh\n#comment\nbroken line\n";
	const char *gr = "root:x:0:\nnogroup:x:65534:\nusers:x:100:web,other\nextra:x:200:web\n";
	cleanup_free char *p = xasprintf("%s/passwd", etc), *g = xasprintf("%s/group", etc);
	write_file_atomic(p, pw, strlen(pw), 0644, &err);
	write_file_atomic(g, gr, strlen(gr), 0644, &err);
	int fd = open(dir, O_PATH | O_DIRECTORY);

	is_int(user_resolve(fd, "", &u, &err), 0, "no user is root");
	ok(u.uid == 0 && u.gid == 0 && strcmp(u.home, "/root") == 0, "root, home /root");
	is_int(user_resolve(fd, "web", &u, &err), 0, "a name");
	ok(u.uid == 33 && u.gid == 33 && strcmp(u.home, "/var/www") == 0, "uid, gid, home from passwd");
	ok(u.ngroups == 2 && u.groups[0] == 100 && u.groups[1] == 200, "groups listing the user");
	is_int(user_resolve(fd, "1000", &u, &err), 0, "an unknown uid is allowed");
	ok(u.uid == 1000 && u.gid == 0 && u.ngroups == 1 && u.groups[0] == 0 && strcmp(u.home, "/") == 0,
	   "gid 0, home /, groups [0] (docker)");
	is_int(user_resolve(fd, "1000:1000", &u, &err), 0, "uid:gid");
	ok(u.gid == 1000 && u.ngroups == 1 && u.groups[0] == 1000, "the group replaces the list");
	is_int(user_resolve(fd, "nobody:users", &u, &err), 0, "name:group name");
	ok(u.uid == 65534 && u.gid == 100, "group by name");
	is_int(user_resolve(fd, "nosuch", &u, &err), -1, "an unknown name");
	is_str(err ? err->msg : NULL, "unable to find user nosuch: no matching entries in passwd file", "docker's message");
	berr_free(&err);
	is_int(user_resolve(fd, "0:nosuch", &u, &err), -1, "an unknown group");
	berr_free(&err);
	is_int(user_resolve(fd, "-1", &u, &err), -1, "a negative uid is a name, and unknown");
	berr_free(&err);

	/* /etc/passwd as a symlink out of the root resolves inside it. */
	unlink(p);
	ok(symlink("/../../../../etc/shadow-does-not-matter", p) == 0, "passwd made a symlink leading out");
	is_int(user_resolve(fd, "root", &u, &err), -1, "root is not found: the host's files are never read");
	berr_free(&err);
	close(fd);
	cleanup_free char *cmd = xasprintf("rm -rf %s", dir);
	(void)!system(cmd);
}

static void logs(void)
{
	struct log_record r;
	const char *l1 = "2024-05-01T10:00:00.123456789Z stdout F hello world";
	const char *l2 = "2024-05-01T10:00:00Z stderr P part";
	is_int(logfile_parse(l1, strlen(l1), &r), 0, "a full stdout record");
	ok(r.stream == LOG_STDOUT && !r.partial && r.len == 11 && memcmp(r.data, "hello world", 11) == 0, "its fields");
	is_int(r.ts, 1714557600123456789LL, "its timestamp");
	is_int(logfile_parse(l2, strlen(l2), &r), 0, "a partial stderr record");
	ok(r.stream == LOG_STDERR && r.partial, "stderr, partial");
	is_int(logfile_parse("garbage", 7, &r), -1, "garbage");
	is_int(logfile_parse("2024-05-01T10:00:00Z stdin F x", 30, &r), -1, "an unknown stream");
	is_int(logfile_parse("2024-05-01T10:00:00Z stdout", 27, &r), -1, "truncated");
	is_int(logfile_parse("", 0, &r), -1, "empty");

	char path[] = "/tmp/berth-log.XXXXXX";
	int fd = mkstemp(path);
	logfile_write(fd, LOG_STDOUT, "a\nb\npartial", 11);
	logfile_write(fd, LOG_STDERR, "err\n", 4);
	close(fd);
	cleanup_free char *data = NULL;
	berr_t err = NULL;
	size_t len = 0;
	read_file(path, &data, &len, &err);
	unlink(path);
	int lines = 0, partials = 0;
	for (char *s = data; s && *s;) {
		char *nl = strchr(s, '\n');
		if (!nl)
			break;
		if (logfile_parse(s, (size_t)(nl - s), &r) == 0) {
			lines++;
			partials += r.partial;
		}
		s = nl + 1;
	}
	is_int(lines, 4, "three stdout records and one stderr record, each parseable");
	is_int(partials, 1, "the unfinished line is partial");
}

int main(void)
{
	sizes();
	signals();
	ulimits();
	restart();
	durations();
	timestamps();
	capabilities();
	users();
	logs();
	return done_testing();
}
