/* system.c: `berth version`, `berth info` (and `system info`). */
#include "commands.h"
#include "../core/sysinfo.h"
#include "../core/version.h"

#include <archive.h>
#include <curl/curl.h>
#include <jansson.h>
#include <seccomp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <sys/utsname.h>

int cmd_version(struct berth *b, int argc, char **argv, berr_t *err)
{
	static const struct opt opts[] = {{NULL, 0, 0, NULL, NULL, NULL, false}};
	static const struct cli_spec spec = {
		.usage = "[OPTIONS]", .summary = "Show the berth version information", .opts = opts,
		.min_args = 0, .max_args = 0,
	};
	const struct scmp_version *sv = seccomp_version();
	struct cli_args args;
	struct utsname u;
	int r;

	(void)b;
	if ((r = cli_parse(&spec, argc, argv, &args, err)) != 0)
		return r < 0 ? -1 : 0;
	free(args.argv);
	uname(&u);
	printf("Client:\n"
	       " Version:           %s\n"
	       " API version:       %s (docker-compatible CLI)\n"
	       " Git commit:        %s\n"
	       " Built:             %s\n"
	       " OS/Arch:           linux/%s\n"
	       "\n"
	       "Server:\n"
	       " Engine:\n"
	       "  Version:          %s (no daemon: each command runs the engine itself)\n"
	       "  Git commit:       %s\n"
	       "  OS/Arch:          linux/%s\n"
	       "  Kernel:           %s\n"
	       " Libraries:\n"
	       "  libarchive:       %s\n"
	       "  libseccomp:       %u.%u.%u\n"
	       "  SQLite:           %s\n"
	       "  jansson:          %s\n"
	       "  libcurl:          %s\n",
	       BERTH_VERSION, BERTH_DOCKER_COMPAT, BERTH_GIT_COMMIT, __DATE__, sysinfo_oci_arch(), BERTH_VERSION,
	       BERTH_GIT_COMMIT, sysinfo_oci_arch(), u.release, archive_version_details(), sv ? sv->major : 0,
	       sv ? sv->minor : 0, sv ? sv->micro : 0, sqlite3_libversion(), jansson_version_str(),
	       curl_version_info(CURLVERSION_NOW)->version);
	return 0;
}

int cmd_info(struct berth *b, int argc, char **argv, berr_t *err)
{
	static const struct opt opts[] = {{NULL, 0, 0, NULL, NULL, NULL, false}};
	static const struct cli_spec spec = {
		.usage = "[OPTIONS]", .summary = "Display system-wide information", .opts = opts,
		.min_args = 0, .max_args = 0, .aliases = "berth system info, berth info",
	};
	struct cli_args args;
	struct sysinfo s;
	char mem[32];
	int r;

	if ((r = cli_parse(&spec, argc, argv, &args, err)) != 0)
		return r < 0 ? -1 : 0;
	free(args.argv);
	if (sysinfo_gather(b, &s, err) < 0)
		return -1;
	format_bytes_binary(s.mem_total, mem, sizeof(mem));
	printf("Client:\n"
	       " Version:    %s\n"
	       " Debug Mode: %s\n"
	       "\n"
	       "Server:\n"
	       " Containers: %ld\n"
	       "  Running: %ld\n"
	       "  Paused: %ld\n"
	       "  Stopped: %ld\n"
	       " Images: %ld\n"
	       " Server Version: %s\n"
	       " Storage Driver: %s\n"
	       " Cgroup Driver: cgroupfs\n"
	       " Cgroup Version: %s\n"
	       " Security Options:\n"
	       "%s"
	       " Kernel Version: %s\n"
	       " Operating System: %s\n"
	       " OSType: linux\n"
	       " Architecture: %s\n"
	       " CPUs: %ld\n"
	       " Total Memory: %s\n"
	       " Name: %s\n"
	       " ID: %s\n"
	       " Berth Root Dir: %s\n"
	       " Debug Mode: %s\n",
	       BERTH_VERSION, b->debug ? "true" : "false", s.containers, s.running, s.paused, s.stopped, s.images,
	       BERTH_VERSION, s.storage_driver, s.cgroup_version,
	       s.seccomp ? "  seccomp\n   Profile: builtin\n" : "  (seccomp not available in this kernel)\n",
	       s.kernel, s.os, s.arch, s.cpus, mem, s.hostname, s.engine_id, s.root, b->debug ? "true" : "false");
	sysinfo_free(&s);
	return 0;
}
