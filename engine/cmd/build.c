/* build.c: `berth build` and `berth image build`: docker build's flags,
 * parsed here, the work done by the core (engine/core/build.h).
 */
#define _GNU_SOURCE
#include "commands.h"
#include "../core/build.h"
#include "../core/util.h"
#include "../core/cleanup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define END_OPTS {NULL, 0, 0, NULL, NULL, NULL, false}

int cmd_build(struct berth *b, int argc, char **argv, berr_t *err)
{
	struct strlist tags = {0}, args = {0}, labels = {0};
	const char *file = NULL, *target = NULL, *iidfile = NULL, *progress = "auto", *platform = NULL,
		   *network = "default";
	bool no_cache = false, pull = false, quiet = false, check = false, rm = true, force_rm = false;
	const struct opt opts[] = {
		{"build-arg", 0, OPT_LIST, &args, "Set build-time variables", "list", false},
		{"check", 0, OPT_BOOL, &check, "Check build configuration without building", NULL, false},
		{"file", 'f', OPT_STRING, &file, "Name of the Dockerfile (default: \"PATH/Dockerfile\")", "string", false},
		{"force-rm", 0, OPT_BOOL, &force_rm, "Always remove intermediate containers", NULL, true},
		{"iidfile", 0, OPT_STRING, &iidfile, "Write the image ID to the file", "string", false},
		{"label", 0, OPT_LIST, &labels, "Set metadata for an image", "list", false},
		{"network", 0, OPT_STRING, &network, "Set the networking mode for the RUN instructions during build", "string", false},
		{"no-cache", 0, OPT_BOOL, &no_cache, "Do not use cache when building the image", NULL, false},
		{"platform", 0, OPT_STRING, &platform, "Set platform if server is multi-platform capable", "string", false},
		{"progress", 0, OPT_STRING, &progress, "Set type of progress output (\"auto\", \"plain\", \"tty\", \"quiet\")", "string", false},
		{"pull", 0, OPT_BOOL, &pull, "Always attempt to pull a newer version of the image", NULL, false},
		{"quiet", 'q', OPT_BOOL, &quiet, "Suppress the build output and print image ID on success", NULL, false},
		{"rm", 0, OPT_BOOL, &rm, "Remove intermediate containers after a successful build", NULL, true},
		{"tag", 't', OPT_LIST, &tags, "Name and optionally a tag in the \"name:tag\" format", "list", false},
		{"target", 0, OPT_STRING, &target, "Set the target build stage to build.", "string", false},
		END_OPTS,
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS] PATH | URL | -",
		.summary = "Build an image from a Dockerfile",
		.opts = opts,
		.min_args = 1,
		.max_args = 1,
		.aliases = "berth image build, berth build, berth builder build",
	};
	struct cli_args a;
	struct build_opts o = {0};
	cleanup_free char *id = NULL;
	int r = cli_parse(&spec, argc, argv, &a, err);

	if (r != 0)
		return r < 0 ? -1 : 0;
	o.context = a.argv[0];
	if (strstr(o.context, "://") || str_has_prefix(o.context, "git@")) {
		r = berr_make_status(err, 1, 0, "unable to prepare context: remote contexts (%s) need the network; clone or download it, then build the directory", o.context);
		goto out;
	}
	if (!strcmp(progress, "auto"))
		o.progress = BP_AUTO;
	else if (!strcmp(progress, "plain") || !strcmp(progress, "rawjson"))
		o.progress = BP_PLAIN;
	else if (!strcmp(progress, "tty"))
		o.progress = BP_TTY;
	else if (!strcmp(progress, "quiet"))
		o.progress = BP_QUIET;
	else {
		r = berr_make_status(err, 1, 0, "invalid progress mode: %s (auto, plain, tty or quiet)", progress);
		goto out;
	}
	if (quiet)
		o.progress = BP_QUIET;
	o.dockerfile = file;
	o.tags = tags.v;
	o.target = target;
	o.build_args = args.v;
	o.labels = labels.v;
	o.no_cache = no_cache;
	o.pull = pull;
	o.check = check;
	o.iidfile = iidfile;
	o.platform = platform;
	o.network = network;
	r = build_image(b, &o, &id, err);
	if (r == 0 && id && (quiet || o.progress == BP_QUIET))
		printf("%s\n", id);
out:
	free(a.argv);
	strlist_free(&tags);
	strlist_free(&args);
	strlist_free(&labels);
	return r;
}
