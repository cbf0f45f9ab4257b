/* system.c: `berth version`, `berth info` (and `system info`). */
#define _GNU_SOURCE
#include "commands.h"
#include "../core/cleanup.h"
#include "../core/sysinfo.h"
#include "../core/tabwriter.h"
#include "../core/template.h"
#include "../core/version.h"

#include <archive.h>
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <seccomp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#define FORMAT_HELP "Format output using a custom template: 'json' or a Go template"

/* docker's exit statuses for --format: a template that does not parse is
 * a usage error (64, EX_USAGE), one that fails while running a plain
 * error (1); the messages are docker's. */
static int template_parse_error(berr_t *err)
{
	berr_wrap(err, "template parsing error");
	(*err)->status = 64;
	return -1;
}

static int template_exec_error(berr_t *err)
{
	(*err)->status = 1;
	return -1;
}

/* `version --format`: the template runs through a tabwriter, as docker's
 * prettyPrintVersion does (minwidth 20, padding 1), then a newline. */
static int version_formatted(const char *format, berr_t *err)
{
	cleanup_free char *out = NULL;
	size_t len = 0;
	struct tmpl *t = NULL;
	json_t *data;
	FILE *f;
	int r;

	if (tmpl_parse_named("version", strcmp(format, "json") == 0 ? "{{json .}}" : format, &t, err) < 0)
		return template_parse_error(err);
	data = sysinfo_version_json();
	/* On an error, what rendered before it is still printed, as in docker. */
	f = open_memstream(&out, &len);
	if (f == NULL) {
		json_decref(data);
		tmpl_free(t);
		return berr_make(err, errno, "open_memstream");
	}
	r = tmpl_exec(t, data, f, err);
	fclose(f);
	struct tabwriter *tw = tw_new(stdout, 20, 1, 1);
	tw_write(tw, out, len);
	tw_puts(tw, "\n");
	tw_flush(tw);
	tw_free(tw);
	json_decref(data);
	tmpl_free(t);
	return r < 0 ? template_exec_error(err) : 0;
}

int cmd_version(struct berth *b, int argc, char **argv, berr_t *err)
{
	static const char *format;
	static const struct opt opts[] = {
		{"format", 'f', OPT_STRING, &format, FORMAT_HELP, "string", false},
		{NULL, 0, 0, NULL, NULL, NULL, false},
	};
	static const struct cli_spec spec = {
		.usage = "[OPTIONS]", .summary = "Show the berth version information", .opts = opts,
		.min_args = 0, .max_args = 0,
	};
	const struct scmp_version *sv = seccomp_version();
	struct cli_args args;
	struct utsname u;
	int r;

	(void)b;
	format = NULL;
	if ((r = cli_parse(&spec, argc, argv, &args, err)) != 0)
		return r < 0 ? -1 : 0;
	free(args.argv);
	if (format && *format)
		return version_formatted(format, err);
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

/* `info --format`: the template's output and a newline (docker's
 * formatInfo), over the same facts the plain output shows. */
static int info_formatted(struct berth *b, const char *format, berr_t *err)
{
	struct tmpl *t = NULL;
	json_t *data;
	int r;

	if (tmpl_parse(strcmp(format, "json") == 0 ? "{{json .}}" : format, &t, err) < 0)
		return template_parse_error(err);
	if ((data = sysinfo_info_json(b, err)) == NULL) {
		tmpl_free(t);
		return -1;
	}
	r = tmpl_exec(t, data, stdout, err);
	putchar('\n');
	json_decref(data);
	tmpl_free(t);
	return r < 0 ? template_exec_error(err) : 0;
}

int cmd_info(struct berth *b, int argc, char **argv, berr_t *err)
{
	static const char *format;
	static const struct opt opts[] = {
		{"format", 'f', OPT_STRING, &format, FORMAT_HELP, "string", false},
		{NULL, 0, 0, NULL, NULL, NULL, false},
	};
	static const struct cli_spec spec = {
		.usage = "[OPTIONS]", .summary = "Display system-wide information", .opts = opts,
		.min_args = 0, .max_args = 0, .aliases = "berth system info, berth info",
	};
	struct cli_args args;
	struct sysinfo s;
	char mem[32];
	int r;

	format = NULL;
	if ((r = cli_parse(&spec, argc, argv, &args, err)) != 0)
		return r < 0 ? -1 : 0;
	free(args.argv);
	if (format && *format)
		return info_formatted(b, format, err);
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
