/* buildprogress.c: what `build` prints while it works.
 *
 * plain (--progress plain, or no terminal): BuildKit's plain format, each
 * step a block
 *     #5 [2/3] RUN echo hi
 *     #5 0.213 hi
 *     #5 DONE 0.3s
 * and a blank line between blocks.  tty: a compact live view: the running
 * step on one line, redrawn in place with its latest output line, then
 * one line per finished step ("=> [2/3] RUN echo hi  0.3s"); a step's
 * last output lines are shown only if it fails.  quiet (-q): nothing (the
 * command prints the id).  All of it goes to stderr, as docker's.
 */
#define _GNU_SOURCE
#include "build.h"
#include "util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

void bprog_init(struct bprog *p, enum build_progress mode)
{
	memset(p, 0, sizeof(*p));
	p->f = stderr;
	if (mode == BP_AUTO)
		mode = isatty(STDERR_FILENO) ? BP_TTY : BP_PLAIN;
	p->mode = mode;
	p->next = 1;
	p->t0 = now_ns();
}

static double secs(long long ns) { return (double)ns / 1e9; }
static void live(struct bprog *p, const char *line);

static void tail_push(struct bprog *p, const char *line)
{
	if (p->ntail == 6) {
		free(p->tail[0]);
		memmove(p->tail, p->tail + 1, 5 * sizeof(char *));
		p->ntail--;
	}
	p->tail[p->ntail++] = xstrdup(line);
}

static void tail_clear(struct bprog *p)
{
	for (int i = 0; i < p->ntail; i++)
		free(p->tail[i]);
	p->ntail = 0;
	p->plen = 0;
}

int bprog_start(struct bprog *p, const char *name)
{
	p->cur = p->shared_next ? __atomic_fetch_add(p->shared_next, 1, __ATOMIC_SEQ_CST) : p->next++;
	p->step_t0 = now_ns();
	free(p->cur_name);
	p->cur_name = xstrdup(name);
	tail_clear(p);
	if (p->mode == BP_PLAIN)
		fprintf(p->f, "#%d %s\n", p->cur, name);
	else if (p->mode == BP_TTY)
		live(p, NULL);
	return p->cur;
}

static int term_cols(void)
{
	struct winsize ws;
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

/* tty: redraw the running step's line with its latest output. */
static void live(struct bprog *p, const char *line)
{
	int cols = term_cols();
	char buf[1024];
	int n = snprintf(buf, sizeof(buf), " => %s %.1fs", p->cur_name, secs(now_ns() - p->step_t0));
	if (n < 0)
		return;
	if (line && *line && n + 4 < cols)
		snprintf(buf + n, sizeof(buf) - (size_t)n, " | %s", line);
	buf[cols - 1 < (int)sizeof(buf) ? cols - 1 : (int)sizeof(buf) - 1] = '\0';
	for (char *c = buf; *c; c++)
		if ((unsigned char)*c < 0x20)
			*c = ' ';
	fprintf(p->f, "\r\033[K%s", buf);
	fflush(p->f);
}

static void out_line(struct bprog *p, const char *line)
{
	tail_push(p, line);
	if (p->mode == BP_PLAIN)
		fprintf(p->f, "#%d %.3f %s\n", p->cur, secs(now_ns() - p->step_t0), line);
	else if (p->mode == BP_TTY)
		live(p, line);
}

void bprog_output(struct bprog *p, const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = buf[i];
		if (c == '\n' || p->plen == sizeof(p->partial) - 1) {
			p->partial[p->plen] = '\0';
			out_line(p, p->partial);
			p->plen = 0;
			if (c == '\n')
				continue;
		}
		p->partial[p->plen++] = c;
	}
}

static void flush_partial(struct bprog *p)
{
	if (p->plen) {
		p->partial[p->plen] = '\0';
		out_line(p, p->partial);
		p->plen = 0;
	}
}

void bprog_line(struct bprog *p, const char *fmt, ...)
{
	va_list ap;
	if (p->mode != BP_PLAIN)
		return;
	fprintf(p->f, "#%d ", p->cur);
	va_start(ap, fmt);
	vfprintf(p->f, fmt, ap);
	va_end(ap);
	fputc('\n', p->f);
}

void bprog_done(struct bprog *p)
{
	double s = secs(now_ns() - p->step_t0);
	flush_partial(p);
	if (p->mode == BP_PLAIN)
		fprintf(p->f, "#%d DONE %.1fs\n\n", p->cur, s);
	else if (p->mode == BP_TTY)
		fprintf(p->f, "\r\033[K => %-60s %5.1fs\n", p->cur_name, s);
	fflush(p->f);
}

void bprog_cached(struct bprog *p)
{
	flush_partial(p);
	if (p->mode == BP_PLAIN)
		fprintf(p->f, "#%d CACHED\n\n", p->cur);
	else if (p->mode == BP_TTY)
		fprintf(p->f, "\r\033[K => CACHED %-53s %5.1fs\n", p->cur_name, 0.0);
	fflush(p->f);
}

void bprog_error(struct bprog *p, const char *msg)
{
	flush_partial(p);
	if (p->mode == BP_QUIET)
		return;
	if (p->mode == BP_TTY) {
		fprintf(p->f, "\r\033[K => ERROR %s\n", p->cur_name);
	} else {
		fprintf(p->f, "#%d ERROR: %s\n", p->cur, msg);
	}
	/* BuildKit repeats the step's last lines under a rule. */
	fprintf(p->f, "------\n > %s:\n", p->cur_name);
	for (int i = 0; i < p->ntail; i++)
		fprintf(p->f, "%s\n", p->tail[i]);
	fprintf(p->f, "------\n");
	fflush(p->f);
}

void bprog_fini(struct bprog *p)
{
	tail_clear(p);
	free(p->cur_name);
	p->cur_name = NULL;
	if (p->mode == BP_TTY)
		fprintf(p->f, "[+] Building %.1fs FINISHED\n", secs(now_ns() - p->t0));
}
