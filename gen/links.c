/* links.c: see links.h. */
#define _GNU_SOURCE
#include "links.h"
#include "strmap.h"
#include "../engine/core/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct link_index {
	struct strmap pages;     /* "ko/x.html" */
	struct strmap anchors;   /* "ko/x.html#anchor" */
	struct strmap sources;   /* "ko/01-x.md" -> index into ids */
	char **ids;
	size_t n_ids;
};

struct link_index *links_new(void)
{
	return xcalloc(1, sizeof(struct link_index));
}

void links_free(struct link_index *x)
{
	if (!x)
		return;
	strmap_free(&x->pages);
	strmap_free(&x->anchors);
	strmap_free(&x->sources);
	for (size_t i = 0; i < x->n_ids; i++)
		free(x->ids[i]);
	free(x->ids);
	free(x);
}

void links_add(struct link_index *x, const char *page, const char *anchor)
{
	strmap_put(&x->pages, page, strlen(page), 0, NULL);
	if (anchor) {
		char *k = xasprintf("%s#%s", page, anchor);
		strmap_put(&x->anchors, k, strlen(k), 0, NULL);
		free(k);
	}
}

bool links_has_page(const struct link_index *x, const char *page)
{
	return strmap_get(&x->pages, page, strlen(page)) != NULL;
}

bool links_has_anchor(const struct link_index *x, const char *page, const char *anchor)
{
	char *k = xasprintf("%s#%s", page, anchor);
	bool r = strmap_get(&x->anchors, k, strlen(k)) != NULL;
	free(k);
	return r;
}

void links_add_source(struct link_index *x, const char *lang, const char *file, const char *id)
{
	char *k = xasprintf("%s/%s", lang, file);
	bool added;
	size_t *v = strmap_put(&x->sources, k, strlen(k), x->n_ids, &added);
	if (added) {
		x->ids = xrealloc(x->ids, (x->n_ids + 1) * sizeof(char *));
		x->ids[x->n_ids++] = xstrdup(id);
	} else {
		free(x->ids[*v]);
		x->ids[*v] = xstrdup(id);
	}
	free(k);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *url_decode(const char *s)
{
	char *out = xmalloc(strlen(s) + 1), *o = out;
	for (; *s; s++) {
		if (*s == '%' && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
			*o++ = (char)(hexval(s[1]) * 16 + hexval(s[2]));
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return out;
}

/* "scheme:" at the start of url (RFC 3986), before any / ? or #. */
static bool has_scheme(const char *url)
{
	if (!isalpha((unsigned char)url[0]))
		return false;
	for (const char *p = url + 1; *p; p++) {
		if (*p == ':')
			return true;
		if (!isalnum((unsigned char)*p) && *p != '+' && *p != '-' && *p != '.')
			return false;
	}
	return false;
}

/* Join dir ("ko") and a relative path, folding "." and ".."; NULL when
 * the path climbs out of the site. */
static char *join_path(const char *dir, const char *rel)
{
	char *buf = xasprintf("%s/%s", dir, rel);
	char **parts = xcalloc(strlen(buf) + 1, sizeof(char *));
	size_t n = 0;
	char *save = NULL;
	bool trailing = buf[strlen(buf) - 1] == '/';

	for (char *t = strtok_r(buf, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		if (strcmp(t, ".") == 0)
			continue;
		if (strcmp(t, "..") == 0) {
			if (n == 0) {
				free(parts);
				free(buf);
				return NULL;
			}
			n--;
			continue;
		}
		parts[n++] = t;
	}
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? "/" : "", parts[i]);
	if (trailing)
		fputc('/', f);
	fclose(f);
	free(parts);
	free(buf);
	return out;
}

/* The site path of what from->lang/rel names, relative to `to_dir`
 * ("ko"): "x.html" or "../en/x.html". */
static char *relative_to(const char *from_dir, const char *target)
{
	size_t dl = strlen(from_dir);
	if (strncmp(target, from_dir, dl) == 0 && target[dl] == '/')
		return xstrdup(target + dl + 1);
	return xasprintf("../%s", target);
}

static int fail(berr_t *err, const struct link_from *from, int line, const char *url, const char *why)
{
	return berr_make(err, 0, "%s:%d: broken link \"%s\": %s", from->file, line, url, why);
}

int links_resolve(const struct link_from *from, const char *url, bool image, int line, char **out, berr_t *err)
{
	*out = NULL;
	if (!*url)
		return fail(err, from, line, url, "the link has no target");
	if (has_scheme(url) || strncmp(url, "//", 2) == 0) {
		bool web = strncasecmp(url, "http:", 5) == 0 || strncasecmp(url, "https:", 6) == 0 ||
			   strncmp(url, "//", 2) == 0;
		if (image)
			return fail(err, from, line, url,
				    "an image must be a file in the site (assets/), not fetched from elsewhere: the "
				    "course works offline");
		if (!web && strncasecmp(url, "mailto:", 7) != 0)
			return fail(err, from, line, url, "only http(s) and mailto links may leave the site");
		*out = xstrdup(url);
		return 0;
	}
	if (url[0] == '/')
		return fail(err, from, line, url,
			    "use a relative link (../assets/x.svg, other-lesson.md): an absolute path breaks from "
			    "file:// and under a sub-path");

	/* path ? query # fragment */
	const char *hash = strchr(url, '#');
	const char *q = strchr(url, '?');
	size_t plen = strlen(url);
	if (q && (!hash || q < hash))
		plen = (size_t)(q - url);
	else if (hash)
		plen = (size_t)(hash - url);
	char *path_raw = xstrndup(url, plen);
	char *path = url_decode(path_raw);
	char *frag_raw = hash ? xstrdup(hash + 1) : NULL;
	char *frag = frag_raw ? url_decode(frag_raw) : NULL;
	char *target = NULL, *why = NULL;
	int r = -1;

	if (!*path) {
		target = xstrdup(from->page);
	} else {
		target = join_path(from->lang, path);
		if (!target) {
			why = xstrdup("it climbs out of the site");
			goto out;
		}
		if (str_has_suffix(target, ".md")) {
			/* A link to a lesson's source: 01-x.md, x.md, ../en/01-x.md */
			char *slash = strrchr(target, '/');
			char *dir = xstrndup(target, slash ? (size_t)(slash - target) : 0);
			const char *base = slash ? slash + 1 : target;
			size_t *v = strmap_get(&from->index->sources, target, strlen(target));
			char *page = NULL;
			if (v) {
				page = xasprintf("%s/%s.html", dir, from->index->ids[*v]);
			} else {
				char *id = xstrndup(base, strlen(base) - 3);
				page = xasprintf("%s/%s.html", dir, id);
				free(id);
			}
			free(dir);
			free(target);
			target = page;
		}
	}
	if (str_has_prefix(target, "assets/")) {
		char *file = xasprintf("%s/%s", from->assets_dir, target + 7);
		struct stat st;
		bool ok = stat(file, &st) == 0 && S_ISREG(st.st_mode);
		free(file);
		if (!ok) {
			why = xasprintf("there is no file %s in assets/", target + 7);
			goto out;
		}
		if (frag && image) {
			why = xstrdup("an image takes no #anchor");
			goto out;
		}
		*out = xstrdup(url);
		r = 0;
		goto out;
	}
	if (!links_has_page(from->index, target)) {
		why = xasprintf("no page %s in the site (a lesson is linked as other-id.md or other-id.html)", target);
		goto out;
	}
	if (frag && *frag && !links_has_anchor(from->index, target, frag)) {
		why = xasprintf("%s has no heading or anchor \"#%s\"", target, frag);
		goto out;
	}
	if (image) {
		why = xstrdup("an image must be a file under assets/");
		goto out;
	}
	{
		size_t dl = strlen(from->lang);
		bool same_lang = strncmp(target, from->lang, dl) == 0 && target[dl] == '/';
		if (from->print && same_lang && str_has_suffix(target, ".html") &&
		    !strchr(target + dl + 1, '/')) {
			/* In print.html every lesson of the language is a section. */
			char *id = xstrndup(target + dl + 1, strlen(target + dl + 1) - 5);
			bool is_lesson = links_has_anchor(from->index, target, "berth-lesson");
			if (is_lesson)
				*out = frag && *frag ? xasprintf("#%s--%s", id, frag_raw) : xasprintf("#%s", id);
			free(id);
		}
		if (!*out) {
			char *rel = relative_to(from->lang, target);
			if (strcmp(target, from->page) == 0 && frag)
				*out = xasprintf("#%s", frag_raw);
			else
				*out = frag_raw ? xasprintf("%s#%s", rel, frag_raw) : xstrdup(rel);
			free(rel);
		}
	}
	r = 0;
out:
	if (r < 0)
		fail(err, from, line, url, why ? why : "unknown target");
	free(why);
	free(path_raw);
	free(path);
	free(frag_raw);
	free(frag);
	free(target);
	return r;
}
