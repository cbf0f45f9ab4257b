/* ctrlist.c: see ctrlist.h.  Wording follows docker's daemon (list.go:
 * the COMMAND with quoted arguments) and CLI (formatter/container.go). */
#define _GNU_SOURCE
#include "ctrlist.h"
#include "diskusage.h"
#include "cleanup.h"
#include "endpoint.h"
#include "image.h"
#include "units.h"
#include "util.h"
#include "volume.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void container_status_text(const struct container *c, long long now, char *buf, size_t len)
{
	char d[64];

	switch (c->state) {
	case CS_RUNNING:
	case CS_PAUSED:
		human_duration(now - c->started_at, d, sizeof(d));
		snprintf(buf, len, "Up %s%s", d, c->state == CS_PAUSED ? " (Paused)" : "");
		break;
	case CS_RESTARTING:
		human_duration(now - c->finished_at, d, sizeof(d));
		snprintf(buf, len, "Restarting (%d) %s ago", c->exit_code, d);
		break;
	case CS_EXITED:
		if (c->finished_at <= 0) {
			snprintf(buf, len, "Exited (%d)", c->exit_code);
			break;
		}
		human_duration(now - c->finished_at, d, sizeof(d));
		snprintf(buf, len, "Exited (%d) %s ago", c->exit_code, d);
		break;
	case CS_REMOVING:
		snprintf(buf, len, "Removal In Progress");
		break;
	case CS_DEAD:
		snprintf(buf, len, "Dead");
		break;
	default:
		snprintf(buf, len, "Created");
	}
}

/* daemon/list.go: arguments with a space in single quotes. */
static char *command_line(const struct container *c)
{
	size_t len = 0;
	char *out = NULL;
	FILE *m = open_memstream(&out, &len);
	size_t i;
	json_t *a;

	fputs(c->path, m);
	json_array_foreach(c->args, i, a)
	{
		const char *s = json_string_value(a);
		if (!s)
			continue;
		if (strchr(s, ' '))
			fprintf(m, " '%s'", s);
		else
			fprintf(m, " %s", s);
	}
	fclose(m);
	return out;
}

/* Go's strconv.Quote for the printable ASCII/UTF-8 we meet here. */
static char *go_quote(const char *s)
{
	size_t len = 0;
	char *out = NULL;
	FILE *m = open_memstream(&out, &len);
	fputc('"', m);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", m);
			break;
		case '\\':
			fputs("\\\\", m);
			break;
		case '\n':
			fputs("\\n", m);
			break;
		case '\t':
			fputs("\\t", m);
			break;
		case '\r':
			fputs("\\r", m);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(m, "\\x%02x", *p);
			else
				fputc(*p, m);
		}
	}
	fputc('"', m);
	fclose(m);
	return out;
}

/* formatter.Ellipsis: at most n characters (runes), the last one "…". */
static char *ellipsis(const char *s, size_t n)
{
	size_t runes = 0, i = 0, cut = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xC0) != 0x80)
			runes++;
	if (runes <= n)
		return xstrdup(s);
	for (runes = 0; s[i]; i++) {
		if (((unsigned char)s[i] & 0xC0) != 0x80) {
			if (runes == n - 1) {
				cut = i;
				break;
			}
			runes++;
		}
	}
	return xasprintf("%.*s…", (int)cut, s);
}

static void go_time(long long ns, char *buf, size_t len)
{
	time_t secs = (time_t)(ns / 1000000000LL);
	struct tm tm;
	gmtime_r(&secs, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S +0000 UTC", &tm);
}

json_t *container_ps_json(struct berth *b, const struct container *c, bool trunc, long long now)
{
	cleanup_free char *cmd = command_line(c);
	cleanup_free char *shown = trunc ? ellipsis(cmd, 20) : xstrdup(cmd);
	cleanup_free char *quoted = go_quote(shown);
	char created[64], status[128], ago[64], since[80], id[65];
	size_t len = 0;
	char *labels = NULL;
	FILE *m = open_memstream(&labels, &len);
	const char *k;
	json_t *v, *o;
	bool first = true;

	json_object_foreach(json_object_get(c->config, "Labels"), k, v)
	{
		fprintf(m, "%s%s=%s", first ? "" : ",", k, json_string_value(v) ? json_string_value(v) : "");
		first = false;
	}
	fclose(m);
	go_time(c->created, created, sizeof(created));
	container_status_text(c, now, status, sizeof(status));
	human_duration(now - c->created, ago, sizeof(ago));
	snprintf(since, sizeof(since), "%s ago", ago);
	snprintf(id, sizeof(id), "%.*s", trunc ? 12 : 64, c->id);
	/* In docker's key order (sorted). Platform: docker 25+ (cli formatter
	 * ContainerContext.Platform) prints the ImageManifestDescriptor's
	 * platform, which its daemon lists only with the containerd image
	 * store; berth keeps images as the classic store does: null. */
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:n, s:s, s:s, s:s, s:s, s:s}", "Command", quoted,
		      "CreatedAt", created, "ID", id, "Image", c->image_ref, "Labels", labels ? labels : "",
		      "LocalVolumes", "0", "Mounts", "", "Names", c->name, "Networks", "none", "Platform", "Ports", "",
		      "RunningFor", since, "Size", "0B", "State", cstate_name(c->state), "Status", status);
	free(labels);
	{
		/* Networks, ports and mounts (endpoint.h, volume.h). */
		char *ports = endpoint_ports_text(b, c), *nets = endpoint_networks_text(b, c);
		char *mounts = volume_mounts_text(b, c, trunc);
		json_t *mj = volume_mounts_json(b, c);
		size_t nvol = 0, i;
		json_t *m;
		json_array_foreach(mj, i, m)
			nvol += strcmp(json_string_value(json_object_get(m, "Type")), "volume") == 0;
		json_decref(mj);
		json_object_set_new(o, "Ports", json_string(ports));
		json_object_set_new(o, "Networks", json_string(nets));
		json_object_set_new(o, "Mounts", json_string(mounts));
		json_object_set_new(o, "LocalVolumes", json_sprintf("%zu", nvol));
		free(ports);
		free(nets);
		free(mounts);
	}
	return o;
}

void container_ps_set_size(struct berth *b, json_t *row, const struct container *c)
{
	struct image *img = NULL;
	cleanup_berr berr_t e = NULL;
	long long rw = container_rw_size(b, c->id), virt = rw;
	char srw[32], sv[32];

	if (image_get(b, c->image_id, &img, &e) == 0) {
		virt += img->size;
		image_free(img);
	}
	human_size_decimal3((double)rw, srw, sizeof(srw));
	human_size_decimal3((double)virt, sv, sizeof(sv));
	if (virt > 0)
		json_object_set_new(row, "Size", json_sprintf("%s (virtual %s)", srw, sv));
	else
		json_object_set_new(row, "Size", json_string(srw));
}

/* ---- filters ---------------------------------------------------------- */

struct ps_filter {
	struct berth *b;    /* network=, volume= look at endpoints and mounts */
	size_t n;
	struct pf {
		char *key, *value;
		regex_t re;         /* name */
		bool has_re;
		char *image_id;     /* ancestor, resolved */
		long long created;  /* before, since: that container's creation */
	} *v;
};

void ps_filter_free(struct ps_filter *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].key);
		free(f->v[i].value);
		free(f->v[i].image_id);
		if (f->v[i].has_re)
			regfree(&f->v[i].re);
	}
	free(f->v);
	free(f);
}

static const char *const keys[] = {"status", "name", "label", "ancestor", "id", "exited", "before", "since",
				   "network", "volume", "health", "is-task", NULL};
static const char *const statuses[] = {"created", "restarting", "running", "removing", "paused", "exited", "dead", NULL};

int ps_filter_parse(struct berth *b, char *const *filters, struct ps_filter **out, berr_t *err)
{
	struct ps_filter *f = xcalloc(1, sizeof(*f));
	f->b = b;

	for (size_t i = 0; filters && filters[i]; i++) {
		const char *eq = strchr(filters[i], '=');
		bool known = false;
		if (!eq) {
			ps_filter_free(f);
			return berr_make_status(err, 1, 0, "Error response from daemon: Bad format of filter (expected name=value)");
		}
		cleanup_free char *key = xstrndup(filters[i], (size_t)(eq - filters[i]));
		for (size_t k = 0; keys[k]; k++)
			known |= strcmp(key, keys[k]) == 0;
		if (!known) {
			ps_filter_free(f);
			return berr_make_status(err, 1, 0, "Error response from daemon: Invalid filter '%s'", key);
		}
		f->v = xrealloc(f->v, (f->n + 1) * sizeof(*f->v));
		struct pf *p = &f->v[f->n++];
		memset(p, 0, sizeof(*p));
		p->key = steal_pointer(&key);
		p->value = xstrdup(eq + 1);
		if (strcmp(p->key, "status") == 0) {
			bool ok = false;
			for (size_t k = 0; statuses[k]; k++)
				ok |= strcmp(p->value, statuses[k]) == 0;
			if (!ok) {
				berr_make_status(err, 1, 0, "Error response from daemon: Invalid filter 'status=%s'", p->value);
				ps_filter_free(f);
				return -1;
			}
		} else if (strcmp(p->key, "name") == 0) {
			if (regcomp(&p->re, p->value, REG_EXTENDED | REG_NOSUB) == 0)
				p->has_re = true;
		} else if (strcmp(p->key, "before") == 0 || strcmp(p->key, "since") == 0) {
			struct container *ref = NULL;
			cleanup_berr berr_t e = NULL;
			if (container_find(b, p->value, &ref, &e) < 0) {
				/* the daemon's view.Get wording (NoSuchContainerError) */
				berr_make_status(err, 1, 0, "Error response from daemon: no such container %s", p->value);
				ps_filter_free(f);
				return -1;
			}
			p->created = ref->created;
			container_free(ref);
		} else if (strcmp(p->key, "ancestor") == 0) {
			cleanup_berr berr_t e = NULL;
			if (image_resolve_id(b, p->value, &p->image_id, &e) < 0)
				p->image_id = NULL;
		}
	}
	*out = f;
	return 0;
}

bool ps_filter_has_status(const struct ps_filter *f)
{
	for (size_t i = 0; f && i < f->n; i++)
		if (strcmp(f->v[i].key, "status") == 0)
			return true;
	return false;
}

/* network=: a network the container is on, by name ("a, b" as ps shows them). */
static bool on_network(struct berth *b, const struct container *c, const char *net)
{
	cleanup_free char *nets = endpoint_networks_text(b, c);
	for (char *save = NULL, *t = strtok_r(nets, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		while (*t == ' ')
			t++;
		if (strcmp(t, net) == 0)
			return true;
	}
	return false;
}

/* volume=: a mount by volume name or destination, as docker's filter. */
static bool has_volume(struct berth *b, const struct container *c, const char *vol)
{
	json_t *mounts = volume_mounts_json(b, c), *m;
	size_t i;
	bool found = false;
	json_array_foreach(mounts, i, m)
	{
		const char *name = json_string_value(json_object_get(m, "Name"));
		const char *dest = json_string_value(json_object_get(m, "Destination"));
		if ((name && strcmp(name, vol) == 0) || (dest && strcmp(dest, vol) == 0))
			found = true;
	}
	json_decref(mounts);
	return found;
}

static bool match_one(struct berth *b, const struct pf *p, const struct container *c)
{
	if (strcmp(p->key, "before") == 0)
		return c->created < p->created;
	if (strcmp(p->key, "since") == 0)
		return c->created > p->created;
	if (strcmp(p->key, "network") == 0)
		return on_network(b, c, p->value);
	if (strcmp(p->key, "volume") == 0)
		return has_volume(b, c, p->value);
	/* berth has no health checks (health=none) and no swarm tasks */
	if (strcmp(p->key, "health") == 0)
		return strcmp(p->value, "none") == 0;
	if (strcmp(p->key, "is-task") == 0)
		return strcmp(p->value, "true") != 0;
	if (strcmp(p->key, "status") == 0)
		return strcmp(p->value, cstate_name(c->state)) == 0;
	if (strcmp(p->key, "name") == 0)
		return p->has_re ? regexec(&p->re, c->name, 0, NULL, 0) == 0 : strstr(c->name, p->value) != NULL;
	if (strcmp(p->key, "id") == 0)
		return str_has_prefix(c->id, p->value);
	if (strcmp(p->key, "exited") == 0)
		return c->state == CS_EXITED && c->exit_code == atoi(p->value);
	if (strcmp(p->key, "ancestor") == 0) {
		if (p->image_id)
			return strcmp(p->image_id, c->image_id) == 0;
		return strcmp(p->value, c->image_ref) == 0;
	}
	if (strcmp(p->key, "label") == 0) {
		const char *eq = strchr(p->value, '=');
		json_t *labels = json_object_get(c->config, "Labels");
		if (!eq)
			return json_object_get(labels, p->value) != NULL;
		cleanup_free char *k = xstrndup(p->value, (size_t)(eq - p->value));
		const char *v = json_string_value(json_object_get(labels, k));
		return v && strcmp(v, eq + 1) == 0;
	}
	return true;
}

bool ps_filter_match(const struct ps_filter *f, const struct container *c)
{
	/* docker: values of one key are alternatives (OR); different keys
	 * must all match (AND). */
	for (size_t k = 0; keys[k]; k++) {
		bool any = false, seen = false;
		for (size_t i = 0; f && i < f->n; i++) {
			if (strcmp(f->v[i].key, keys[k]) != 0)
				continue;
			seen = true;
			any |= match_one(f->b, &f->v[i], c);
		}
		if (seen && !any)
			return false;
	}
	return true;
}

const char *ps_header_name(const char *field, void *ctx)
{
	static const char *const map[][2] = {
		{"ID", "CONTAINER ID"}, {"Image", "IMAGE"}, {"Command", "COMMAND"}, {"CreatedAt", "CREATED AT"},
		{"RunningFor", "CREATED"}, {"Ports", "PORTS"}, {"State", "STATE"}, {"Status", "STATUS"},
		{"Size", "SIZE"}, {"Names", "NAMES"}, {"Labels", "LABELS"}, {"Mounts", "MOUNTS"},
		{"Networks", "NETWORKS"}, {"LocalVolumes", "LOCAL VOLUMES"}, {"Platform", "PLATFORM"},
	};
	(void)ctx;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(field, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}
