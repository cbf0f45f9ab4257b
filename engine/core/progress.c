/* progress.c: docker-style progress lines (see progress.h).
 *
 * The terminal protocol is docker's: a new layer id prints "\n" and takes
 * the next line; an update moves the cursor up to its line (ESC[nA),
 * clears it (ESC[2K), writes "id: status progress" ending in '\r', and
 * moves back down (ESC[nB).  So the cursor always rests on the line below
 * the last layer, where the next plain message goes.
 */
#define _GNU_SOURCE
#include "progress.h"
#include "util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

struct pline {
	char id[80];
	char status[64];
	long long last_draw_ns;
	int line;
};

struct progress {
	FILE *out;
	bool quiet, tty;
	int width;
	struct pline *lines;
	size_t n, cap;
};

struct progress *progress_new(FILE *out, bool quiet)
{
	struct progress *p = xcalloc(1, sizeof(*p));
	const char *force = getenv("BERTH_PROGRESS");
	const char *term = getenv("TERM");
	struct winsize ws;

	p->out = out ? out : stdout;
	p->quiet = quiet;
	p->tty = isatty(fileno(p->out)) && !(term && strcmp(term, "dumb") == 0);
	if (force && strcmp(force, "plain") == 0)
		p->tty = false;
	else if (force && strcmp(force, "tty") == 0)
		p->tty = true;
	/* docker assumes 200 columns when it cannot ask the terminal. */
	p->width = 200;
	if (ioctl(fileno(p->out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		p->width = ws.ws_col;
	return p;
}

void progress_free(struct progress *p)
{
	if (!p)
		return;
	fflush(p->out);
	free(p->lines);
	free(p);
}

bool progress_is_tty(const struct progress *p)
{
	return p && p->tty && !p->quiet;
}

void progress_human_size(long long bytes, char *buf, size_t len)
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
	double v = (double)bytes;
	int u = 0;

	while (v >= 1000.0 && u < 6) {
		v /= 1000.0;
		u++;
	}
	snprintf(buf, len, "%.4g%s", v, units[u]);
}

void progress_bar(long long current, long long total, int width, char *buf, size_t len)
{
	char cur[32], tot[32], bar[64] = "", nums[80];
	int pct;

	if (current <= 0 && total <= 0) {
		buf[0] = '\0';
		return;
	}
	progress_human_size(current, cur, sizeof(cur));
	if (total <= 0) {
		snprintf(buf, len, "%8s", cur);
		return;
	}
	pct = (int)((double)current / (double)total * 100.0) / 2;
	if (pct > 50)
		pct = 50;
	if (pct < 0)
		pct = 0;
	if (width > 110) {
		char *b = bar;
		*b++ = '[';
		for (int i = 0; i < pct; i++)
			*b++ = '=';
		*b++ = '>';
		for (int i = pct; i < 50; i++)
			*b++ = ' ';
		*b++ = ']';
		*b++ = ' ';
		*b = '\0';
	}
	progress_human_size(total, tot, sizeof(tot));
	if (current > total)
		snprintf(nums, sizeof(nums), "%8s", cur);
	else
		snprintf(nums, sizeof(nums), "%8s/%s", cur, tot);
	snprintf(buf, len, "%s%s", bar, nums);
}

static struct pline *find_line(struct progress *p, const char *id, bool *created)
{
	*created = false;
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->lines[i].id, id) == 0)
			return &p->lines[i];
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->lines = xrealloc(p->lines, p->cap * sizeof(*p->lines));
	}
	struct pline *l = &p->lines[p->n];
	memset(l, 0, sizeof(*l));
	snprintf(l->id, sizeof(l->id), "%s", id);
	l->line = (int)p->n++;
	*created = true;
	return l;
}

/* Rewrite a layer's line in place (terminal only). */
static void draw(struct progress *p, const char *id, const char *status, const char *extra)
{
	bool created;
	struct pline *l = find_line(p, id, &created);
	int diff;

	if (created)
		fputc('\n', p->out);
	diff = (int)p->n - l->line;
	if (diff > 0)
		fprintf(p->out, "\033[%dA", diff);
	fprintf(p->out, "\033[2K\r%s: %s%s%s\r", id, status, extra && *extra ? " " : "", extra ? extra : "");
	if (diff > 0)
		fprintf(p->out, "\033[%dB", diff);
	snprintf(l->status, sizeof(l->status), "%s", status);
	l->last_draw_ns = monotonic_ns();
	fflush(p->out);
}

void progress_message(struct progress *p, const char *fmt, ...)
{
	va_list ap;

	if (!p || p->quiet)
		return;
	/* A message closes the block of layer lines: later layers (pull -a
	 * of another tag) start a new one. */
	p->n = 0;
	if (p->tty)
		fputs("\033[2K\r", p->out);
	va_start(ap, fmt);
	vfprintf(p->out, fmt, ap);
	va_end(ap);
	fputc('\n', p->out);
	fflush(p->out);
}

void progress_status(struct progress *p, const char *id, const char *status)
{
	if (!p || p->quiet)
		return;
	if (p->tty) {
		draw(p, id, status, NULL);
		return;
	}
	fprintf(p->out, "%s: %s\n", id, status);
	fflush(p->out);
}

void progress_bytes(struct progress *p, const char *id, const char *status, long long current, long long total)
{
	char bar[160];
	bool created;
	struct pline *l;

	if (!p || p->quiet || !p->tty)
		return;
	l = find_line(p, id, &created);
	if (created) {
		/* find_line added it; draw() must see it as new. */
		p->n--;
	} else if (strcmp(l->status, status) == 0 && (total <= 0 || current < total) &&
		   monotonic_ns() - l->last_draw_ns < 100 * 1000000LL) {
		return;
	}
	progress_bar(current, total, p->width, bar, sizeof(bar));
	draw(p, id, status, bar);
}
