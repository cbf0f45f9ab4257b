/* network.c: `berth network create|ls|inspect|rm|prune|connect|disconnect`.
 * Argument parsing and output only; engine/core/network.c and endpoint.c
 * do the work.  Errors docker's daemon would send back print as
 * "Error: MSG" with exit status 1, as docker's CLI exits. */
#define _GNU_SOURCE
#include "commands.h"
#include "objects.h"
#include "../core/cleanup.h"
#include "../core/container.h"
#include "../core/endpoint.h"
#include "../core/network.h"
#include "../core/oci.h"
#include "format.h"
#include "../core/template.h"
#include "../core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define END_OPTS {NULL, 0, 0, NULL, NULL, NULL, false}

/* ---- create -------------------------------------------------------------- */

int cmd_network_create(struct berth *b, int argc, char **argv, berr_t *err)
{
	const char *driver = NULL, *gateway = NULL, *ip_range = NULL;
	bool internal = false, attachable = false, ipv6 = false;
	struct strlist subnets = {0}, labels = {0}, options = {0};
	const struct opt opts[] = {
		{"attachable", 0, OPT_BOOL, &attachable, "Enable manual container attachment", NULL, false},
		{"driver", 'd', OPT_STRING, &driver, "Driver to manage the Network (default \"bridge\")", "string", false},
		{"gateway", 0, OPT_STRING, &gateway, "IPv4 Gateway for the master subnet", "strings", false},
		{"internal", 0, OPT_BOOL, &internal, "Restrict external access to the network", NULL, false},
		{"ip-range", 0, OPT_STRING, &ip_range, "Allocate container ip from a sub-range", "strings", false},
		{"ipv6", 0, OPT_BOOL, &ipv6, "Enable IPv6 networking", NULL, false},
		{"label", 0, OPT_LIST, &labels, "Set metadata on a network", "list", false},
		{"opt", 'o', OPT_LIST, &options, "Set driver specific options", "map", false},
		{"subnet", 0, OPT_LIST, &subnets, "Subnet in CIDR format that represents a network segment", "strings", false},
		END_OPTS,
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS] NETWORK", .summary = "Create a network", .opts = opts, .min_args = 1, .max_args = 1,
	};
	struct cli_args a;
	cleanup_free char *id = NULL;
	int r;

	if ((r = cli_parse(&spec, argc, argv, &a, err)) != 0)
		goto out;
	if (ipv6) {
		r = berr_make_status(err, 1, 0, "IPv6 networks are not supported by berth");
	} else if (ip_range) {
		r = berr_make_status(err, 1, 0, "--ip-range is not supported by berth");
	} else if (subnets.n > 1) {
		r = berr_make_status(err, 1, 0, "berth supports one --subnet per network");
	} else {
		struct network_create_opts o = {
			.name = a.argv[0], .driver = driver, .subnet = subnets.n ? subnets.v[0] : NULL,
			.gateway = gateway, .internal = internal, .attachable = attachable, .labels = labels.v,
			.options = options.v,
		};
		r = network_create(b, &o, &id, err);
		if (r == 0)
			printf("%s\n", id);
	}
	free(a.argv);
out:
	strlist_free(&subnets);
	strlist_free(&labels);
	strlist_free(&options);
	return r < 0 ? daemon_failure(err) : r == 1 ? 0 : r;
}

/* ---- ls ------------------------------------------------------------------- */

struct net_filters {
	struct strlist name, id, driver, label, scope, type;
	int dangling; /* -1 any */
};

static void net_filters_free(struct net_filters *f)
{
	strlist_free(&f->name);
	strlist_free(&f->id);
	strlist_free(&f->driver);
	strlist_free(&f->label);
	strlist_free(&f->scope);
	strlist_free(&f->type);
}

static const char *const net_types[] = {"custom", "builtin", NULL};

static int parse_net_filters(const struct strlist *in, struct net_filters *f, berr_t *err)
{
	const struct filter_key keys[] = {
		{"name", &f->name, NULL},   {"id", &f->id, NULL},       {"driver", &f->driver, NULL},
		{"label", &f->label, NULL}, {"scope", &f->scope, NULL}, {"type", &f->type, net_types},
		{NULL, NULL, NULL},
	};
	memset(f, 0, sizeof(*f));
	return filters_parse(in, keys, &f->dangling, err);
}

static const char *net_column(const char *field, void *ctx)
{
	static const char *const map[][2] = {
		{"ID", "NETWORK ID"}, {"Name", "NAME"}, {"Driver", "DRIVER"}, {"Scope", "SCOPE"}, {"IPv6", "IPV6"},
		{"Internal", "INTERNAL"}, {"CreatedAt", "CREATED AT"}, {"Labels", "LABELS"},
	};
	(void)ctx;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(field, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

int cmd_network_ls(struct berth *b, int argc, char **argv, berr_t *err)
{
	bool quiet = false, notrunc = false;
	const char *format = NULL;
	struct strlist filters = {0};
	const struct opt opts[] = {
		{"filter", 'f', OPT_LIST, &filters, "Provide filter values (e.g. \"driver=bridge\")", "filter", false},
		{"format", 0, OPT_STRING, &format, "Format output using a custom template", "string", false},
		{"no-trunc", 0, OPT_BOOL, &notrunc, "Do not truncate the output", NULL, false},
		{"quiet", 'q', OPT_BOOL, &quiet, "Only display network IDs", NULL, false},
		END_OPTS,
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS]", .summary = "List networks", .opts = opts, .min_args = 0, .max_args = 0,
		.aliases = "berth network ls, berth network list",
	};
	struct cli_args a;
	struct net_filters f;
	struct network **v = NULL;
	size_t n = 0;
	struct tmpl *t = NULL;
	json_t *rows = NULL;
	int r;

	if ((r = cli_parse(&spec, argc, argv, &a, err)) != 0) {
		strlist_free(&filters);
		return r < 0 ? -1 : 0;
	}
	free(a.argv);
	r = parse_net_filters(&filters, &f, err);
	strlist_free(&filters);
	if (r < 0)
		return daemon_failure(err);
	if (quiet && (!format || !*format))
		format = "{{.ID}}";
	if (format_list_parse(format, "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}", &format_row_network, &t, err) < 0) {
		net_filters_free(&f);
		return -1;
	}
	if (network_list(b, &v, &n, err) < 0) {
		r = daemon_failure(err);
		goto out;
	}
	rows = json_array();
	for (size_t i = 0; i < n; i++) {
		struct network *nw = v[i];
		char created[64];
		if (!filter_any_substr(&f.name, nw->name) || !filter_any_prefix(&f.id, nw->id) ||
		    !filter_any_equal(&f.driver, nw->driver) || !filter_any_equal(&f.scope, "local") ||
		    !filter_any_equal(&f.type, nw->predefined ? "builtin" : "custom") ||
		    !labels_match(nw->labels, &f.label))
			continue;
		if (f.dangling >= 0) {
			/* dangling: user-defined and not used by any container. */
			bool used = network_in_use(b, nw->id);
			bool dangling = !nw->predefined && !used;
			if (dangling != (f.dangling == 1))
				continue;
		}
		format_rfc3339nano(nw->created, created, sizeof(created));
		cleanup_free char *labels = labels_string(nw->labels);
		json_array_append_new(rows, json_pack("{s:s%, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID", nw->id,
						      (size_t)(notrunc ? 64 : 12), "Name", nw->name, "Driver",
						      nw->driver, "Scope", "local", "IPv6", "false", "Internal",
						      nw->internal ? "true" : "false", "CreatedAt", created, "Labels",
						      labels));
	}
	r = format_list_write(t, rows, net_column, NULL, err);
out:
	json_decref(rows);
	network_list_free(v, n);
	tmpl_free(t);
	net_filters_free(&f);
	return r;
}

/* ---- inspect ---------------------------------------------------------------- */

static json_t *find_network(struct berth *b, const char *name, berr_t *err)
{
	struct network *nw = NULL;
	if (network_find(b, name, &nw, err) < 0)
		return NULL;
	json_t *j = network_inspect_json(b, nw);
	network_free(nw);
	return j;
}

int cmd_network_inspect(struct berth *b, int argc, char **argv, berr_t *err)
{
	const char *format = NULL;
	bool verbose = false;
	const struct opt opts[] = {
		{"format", 'f', OPT_STRING, &format, "Format output using a custom template", "string", false},
		{"verbose", 'v', OPT_BOOL, &verbose, "Verbose output for diagnostics", NULL, false},
		END_OPTS,
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS] NETWORK [NETWORK...]", .summary = "Display detailed information on one or more networks",
		.opts = opts, .min_args = 1, .max_args = -1,
	};
	struct cli_args a;
	int r;

	if ((r = cli_parse(&spec, argc, argv, &a, err)) != 0)
		return r < 0 ? -1 : 0;
	r = inspect_objects(b, a.argc, a.argv, find_network, format, err);
	free(a.argv);
	return r;
}

/* ---- rm / prune --------------------------------------------------------------- */

int cmd_network_rm(struct berth *b, int argc, char **argv, berr_t *err)
{
	bool force = false;
	const struct opt opts[] = {
		{"force", 'f', OPT_BOOL, &force, "Do not error if the network does not exist", NULL, false},
		END_OPTS,
	};
	const struct cli_spec spec = {
		.usage = "NETWORK [NETWORK...]", .summary = "Remove one or more networks", .opts = opts, .min_args = 1,
		.max_args = -1, .aliases = "berth network rm, berth network remove",
	};
	struct cli_args a;
	int r, status = 0;

	if ((r = cli_parse(&spec, argc, argv, &a, err)) != 0)
		return r < 0 ? -1 : 0;
	for (int i = 0; i < a.argc; i++) {
		cleanup_berr berr_t e = NULL;
		if (network_remove(b, a.argv[i], &e) == 0) {
			printf("%s\n", a.argv[i]);
			continue;
		}
		if (force && str_has_suffix(e->msg, " not found"))
			continue;
		fprintf(stderr, "Error: %s\n", e->msg);
		status = 1;
	}
	free(a.argv);
	return status;
}

int cmd_network_prune(struct berth *b, int argc, char **argv, berr_t *err)
{
	bool force = false;
	struct strlist filters = {0};
	const struct opt opts[] = {
		{"filter", 0, OPT_LIST, &filters, "Provide filter values (e.g. \"until=<timestamp>\")", "filter", false},
		{"force", 'f', OPT_BOOL, &force, "Do not prompt for confirmation", NULL, false},
		END_OPTS,
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS]", .summary = "Remove all unused networks", .opts = opts, .min_args = 0, .max_args = 0,
	};
	struct cli_args a;
	cleanup_strv char **removed = NULL;
	int r;

	r = cli_parse(&spec, argc, argv, &a, err);
	if (r != 0) {
		strlist_free(&filters);
		return r < 0 ? -1 : 0;
	}
	free(a.argv);
	if (filters.n) {
		strlist_free(&filters);
		return berr_make_status(err, 1, 0, "network prune filters are not supported by berth");
	}
	if (!force && !cli_confirm("WARNING! This will remove all custom networks not used by at least one container."))
		return 0;
	if (network_prune(b, &removed, err) < 0)
		return daemon_failure(err);
	print_deleted("Networks", removed);
	return 0;
}

/* ---- connect / disconnect ------------------------------------------------------ */

int cmd_network_connect(struct berth *b, int argc, char **argv, berr_t *err)
{
	struct strlist aliases = {0}, links = {0};
	const char *ip = NULL, *ip6 = NULL;
	const struct opt opts[] = {
		{"alias", 0, OPT_LIST, &aliases, "Add network-scoped alias for the container", "strings", false},
		{"ip", 0, OPT_STRING, &ip, "IPv4 address (e.g., \"172.30.100.104\")", "string", false},
		{"ip6", 0, OPT_STRING, &ip6, "IPv6 address (e.g., \"2001:db8::33\")", "string", false},
		{"link", 0, OPT_LIST, &links, "Add link to another container", "list", false},
		END_OPTS,
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS] NETWORK CONTAINER", .summary = "Connect a container to a network", .opts = opts,
		.min_args = 2, .max_args = 2,
	};
	struct cli_args a;
	int r;

	if ((r = cli_parse(&spec, argc, argv, &a, err)) != 0)
		goto out;
	if (ip6 || links.n)
		r = berr_make_status(err, 1, 0, "%s is not supported by berth", ip6 ? "--ip6" : "--link");
	else
		r = endpoint_connect(b, a.argv[0], a.argv[1], aliases.v, ip, err);
	free(a.argv);
out:
	strlist_free(&aliases);
	strlist_free(&links);
	return r < 0 ? daemon_failure(err) : r == 1 ? 0 : r;
}

int cmd_network_disconnect(struct berth *b, int argc, char **argv, berr_t *err)
{
	bool force = false;
	const struct opt opts[] = {
		{"force", 'f', OPT_BOOL, &force, "Force the container to disconnect from a network", NULL, false},
		END_OPTS,
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS] NETWORK CONTAINER", .summary = "Disconnect a container from a network", .opts = opts,
		.min_args = 2, .max_args = 2,
	};
	struct cli_args a;
	int r;

	if ((r = cli_parse(&spec, argc, argv, &a, err)) != 0)
		return r < 0 ? -1 : 0;
	r = endpoint_disconnect(b, a.argv[0], a.argv[1], force, err);
	free(a.argv);
	return r < 0 ? daemon_failure(err) : 0;
}
