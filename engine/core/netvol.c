/* netvol.c: networking and storage flags of run/create (see netvol.h). */
#define _GNU_SOURCE
#include "netvol.h"
#include "cleanup.h"
#include "db.h"
#include "endpoint.h"
#include "network.h"
#include "portfwd.h"
#include "util.h"
#include "volume.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static bool predefined_mode(const char *m)
{
	return strcmp(m, "default") == 0 || strcmp(m, "bridge") == 0 || strcmp(m, "host") == 0 ||
	       strcmp(m, "none") == 0;
}

static char **held_ports(struct berth *b)
{
	sqlite3 *db;
	cleanup_stmt sqlite3_stmt *st = NULL;
	cleanup_berr berr_t e = NULL;
	char **v = xcalloc(1, sizeof(char *));
	size_t n = 0;

	if (berth_db(b, &db, &e) < 0 ||
	    db_prepare(db, "SELECT proto || '/' || host_ip || '/' || host_port FROM port_bindings", &st, &e) < 0)
		return v;
	while (sqlite3_step(st) == SQLITE_ROW) {
		v = xrealloc(v, (n + 2) * sizeof(char *));
		v[n++] = xstrdup((const char *)sqlite3_column_text(st, 0));
		v[n] = NULL;
	}
	return v;
}

int netvol_configure(struct berth *b, const struct netvol_opts *o, const struct image *img, struct container *c,
		     berr_t *err)
{
	const char *mode = o->network && *o->network ? o->network : "default";
	json_t *hc = c->host_config, *cfg = c->config;
	json_t *pb = json_object(), *exposed = json_object();
	struct volume_flags vf = {o->volumes, o->mounts, o->tmpfs};
	int rc = -1;

	(void)img;
	if (str_has_prefix(mode, "container:")) {
		berr_make(err, 0, "--network container:NAME is not supported by berth");
		goto out;
	}
	if (!predefined_mode(mode)) {
		struct network *n = NULL;
		if (network_find(b, mode, &n, err) < 0) {
			(*err)->status = BERTH_EXIT_ERROR; /* run/create's own failure: 125 */
			goto out;
		}
		network_free(n);
	}
	if (o->aliases && o->aliases[0] && predefined_mode(mode)) {
		berr_make(err, 0, "network-scoped alias is supported only for containers in user defined networks");
		goto out;
	}
	if (o->ip && *o->ip && predefined_mode(mode)) {
		berr_make(err, 0, "user specified IP address is supported on user defined networks only");
		goto out;
	}
	json_object_set_new(hc, "NetworkMode", json_string(mode));
	if (strcmp(mode, "host") == 0 && ((o->publish && o->publish[0]) || o->publish_all))
		fprintf(stderr, "WARNING: Published ports are discarded when using host network mode\n");
	if (strcmp(mode, "host") == 0) {
		/* docker's host-network containers carry the host's name unless
		 * -h gave one (ctrconfig defaults it to the short id). */
		const char *h = json_string_value(json_object_get(cfg, "Hostname"));
		char host[256];
		if (h && strncmp(h, c->id, 12) == 0 && strlen(h) == 12 && gethostname(host, sizeof(host)) == 0) {
			host[sizeof(host) - 1] = '\0';
			json_object_set_new(cfg, "Hostname", json_string(host));
		}
	}

	/* Ports: the image's EXPOSE, then --expose, then -p. */
	{
		const char *k;
		json_t *v;
		json_object_foreach(json_object_get(cfg, "ExposedPorts"), k, v)
			json_object_set_new(exposed, k, json_object());
	}
	if (portspec_expose(o->expose, exposed, err) < 0 || portspec_to_json(o->publish, pb, exposed, err) < 0)
		goto out;
	json_object_set(hc, "PortBindings", pb);
	json_object_set_new(hc, "PublishAllPorts", json_boolean(o->publish_all));
	if (json_object_size(exposed))
		json_object_set(cfg, "ExposedPorts", exposed);

	if (volume_check_flags(&vf, hc, err) < 0)
		goto out;

	if (o->check_ports && strcmp(mode, "host") != 0 && strcmp(mode, "none") != 0) {
		cleanup_strv char **held = held_ports(b);
		cleanup_free char *who = c->name ? xasprintf("%s (%s)", c->name, c->id) : xstrdup(c->id);
		if (portfwd_precheck(hc, cfg, who, held, err) < 0)
			goto out;
	}
	rc = 0;
out:
	json_decref(pb);
	json_decref(exposed);
	return rc;
}

int netvol_attach(struct berth *b, const struct netvol_opts *o, struct container *c, berr_t *err)
{
	struct volume_flags vf = {o->volumes, o->mounts, o->tmpfs};

	if (endpoint_create(b, c, o->aliases, o->ip, err) < 0)
		return -1;
	return volume_setup_container(b, c, &vf, err);
}
