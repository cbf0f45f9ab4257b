/* logfile.c: writing and reading container logs (see logfile.h). */
#define _GNU_SOURCE
#include "logfile.h"
#include "cleanup.h"
#include "container.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

static size_t format_ts(long long ns, char *buf, size_t len)
{
	struct tm tm;
	time_t secs = (time_t)(ns / 1000000000LL);
	gmtime_r(&secs, &tm);
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(buf + n, len - n, ".%09lldZ", ns % 1000000000LL);
	return n;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Each line gets its own timestamp, taken as it is written, as docker's
 * log copier stamps each message: lines that came in one read() (written
 * at different times, or read late) must not share one.  Strictly
 * increasing within the writer, so they also keep their order when
 * merged with the other stream's by time. */
static long long line_ts(void)
{
	static long long last;
	long long t = now_ns();
	if (t <= last)
		t = last + 1;
	return last = t;
}

int logfile_write(int fd, enum log_stream stream, const char *buf, size_t len)
{
	char ts[48], stack[8192];
	size_t tslen = format_ts(0, ts, sizeof(ts)); /* every stamp is this long */
	const char *sname = stream == LOG_STDERR ? "stderr" : "stdout";
	size_t nlines = 1;
	char *out;
	size_t cap, o = 0;

	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++)
		nlines += buf[i] == '\n';
	cap = len + nlines * (tslen + 12);
	out = cap <= sizeof(stack) ? stack : xmalloc(cap);
	for (size_t start = 0; start < len;) {
		const char *nl = memchr(buf + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - buf) : len;
		o += format_ts(line_ts(), out + o, tslen + 1);
		o += (size_t)sprintf(out + o, " %s %c ", sname, nl ? 'F' : 'P');
		memcpy(out + o, buf + start, end - start);
		o += end - start;
		out[o++] = '\n';
		start = nl ? end + 1 : len;
	}
	int rc = write_all(fd, out, o);
	if (out != stack)
		free(out);
	return rc;
}

static long long parse_ts(const char *s, size_t len)
{
	struct tm tm;
	char buf[48];
	long long frac = 0, scale = 100000000;
	char *end;

	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(&tm, 0, sizeof(tm));
	end = strptime(buf, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end)
		return -1;
	if (*end == '.')
		for (end++; *end >= '0' && *end <= '9'; end++, scale /= 10)
			frac += (*end - '0') * scale;
	if (*end != 'Z')
		return -1;
	return (long long)timegm(&tm) * 1000000000LL + frac;
}

int logfile_parse(const char *line, size_t len, struct log_record *r)
{
	const char *sp1 = memchr(line, ' ', len), *sp2, *sp3;
	if (!sp1)
		return -1;
	sp2 = memchr(sp1 + 1, ' ', len - (size_t)(sp1 + 1 - line));
	if (!sp2)
		return -1;
	sp3 = memchr(sp2 + 1, ' ', len - (size_t)(sp2 + 1 - line));
	if (!sp3 || sp3 != sp2 + 2)
		return -1;
	r->ts = parse_ts(line, (size_t)(sp1 - line));
	if (r->ts < 0)
		return -1;
	if ((size_t)(sp2 - sp1 - 1) == 6 && memcmp(sp1 + 1, "stdout", 6) == 0)
		r->stream = LOG_STDOUT;
	else if ((size_t)(sp2 - sp1 - 1) == 6 && memcmp(sp1 + 1, "stderr", 6) == 0)
		r->stream = LOG_STDERR;
	else
		return -1;
	r->partial = sp2[1] == 'P';
	r->data = sp3 + 1;
	r->len = len - (size_t)(sp3 + 1 - line);
	return 0;
}

struct printer {
	const struct logs_opts *o;
	bool mid_line[3];          /* per stream: inside a partial line */
};

static void emit(struct printer *p, const struct log_record *r)
{
	int fd = r->stream == LOG_STDERR ? p->o->err_fd : p->o->out_fd;
	if (p->o->since && r->ts < p->o->since)
		return;
	if (p->o->until && r->ts > p->o->until)
		return;
	if (p->o->timestamps && !p->mid_line[r->stream]) {
		char ts[48];
		size_t n = format_ts(r->ts, ts, sizeof(ts));
		ts[n++] = ' ';
		write_all(fd, ts, n);
	}
	write_all(fd, r->data, r->len);
	if (!r->partial)
		write_all(fd, "\n", 1);
	p->mid_line[r->stream] = r->partial;
}

/* Print the complete lines in buf[0..len); returns bytes consumed. */
static size_t print_lines(struct printer *p, const char *buf, size_t len, long skip_records)
{
	size_t pos = 0;
	long seen = 0;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		struct log_record r;
		if (!nl)
			break;
		if (logfile_parse(buf + pos, (size_t)(nl - buf - pos), &r) == 0) {
			if (seen >= skip_records)
				emit(p, &r);
			seen++;
		}
		pos = (size_t)(nl - buf) + 1;
	}
	return pos;
}

/* How many records to skip so that only the last `tail` lines remain
 * (a line being a run of partial records ended by a full one). */
static long tail_skip(const char *buf, size_t len, long tail)
{
	long records = 0, lines = 0;
	size_t pos = 0;
	/* Count full lines, then walk again to find where the tail starts. */
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		struct log_record r;
		if (!nl)
			break;
		if (logfile_parse(buf + pos, (size_t)(nl - buf - pos), &r) == 0) {
			records++;
			if (!r.partial)
				lines++;
		}
		pos = (size_t)(nl - buf) + 1;
	}
	if (tail < 0 || tail >= lines)
		return 0;
	long want_from_line = lines - tail, line_no = 0, rec_no = 0;
	pos = 0;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		struct log_record r;
		if (!nl)
			break;
		if (logfile_parse(buf + pos, (size_t)(nl - buf - pos), &r) == 0) {
			if (line_no == want_from_line)
				return rec_no;
			rec_no++;
			if (!r.partial)
				line_no++;
		}
		pos = (size_t)(nl - buf) + 1;
	}
	return records;
}

int logfile_print(const char *path, const struct logs_opts *o, berr_t *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	cleanup_close int ino = -1;
	struct printer p = {.o = o};
	char *buf = NULL;
	size_t len = 0, cap = 0;
	bool first = true;

	if (fd < 0) {
		if (errno != ENOENT)
			return berr_make(err, errno, "cannot open %s", path);
		if (!o->follow)
			return 0;
	}
	if (o->follow) {
		ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
		if (ino >= 0 && fd >= 0)
			inotify_add_watch(ino, path, IN_MODIFY);
	}
	for (;;) {
		bool got = false;
		if (fd < 0) {
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd >= 0 && ino >= 0)
				inotify_add_watch(ino, path, IN_MODIFY);
		}
		while (fd >= 0) {
			if (cap - len < 65536) {
				cap = cap ? cap * 2 : 131072;
				buf = xrealloc(buf, cap);
			}
			ssize_t n = read(fd, buf + len, cap - len);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			len += (size_t)n;
			got = true;
		}
		if (first) {
			/* The first batch, everything present: apply --tail to it. */
			long skip = tail_skip(buf ? buf : "", len, o->tail);
			size_t used = print_lines(&p, buf ? buf : "", len, skip);
			memmove(buf, buf + used, len - used);
			len -= used;
			first = false;
		} else if (got) {
			size_t used = print_lines(&p, buf, len, 0);
			memmove(buf, buf + used, len - used);
			len -= used;
		}
		if (!o->follow)
			break;
		if (!got) {
			if (o->still_running && !o->still_running(o->ctx)) {
				/* One last read: the monitor may have written the end
				 * just before the container stopped. */
				if (fd >= 0) {
					ssize_t n;
					while (cap - len > 0 && (n = read(fd, buf + len, cap - len)) > 0)
						len += (size_t)n;
					print_lines(&p, buf ? buf : "", len, 0);
				}
				break;
			}
			struct pollfd pfd = {ino, POLLIN, 0};
			if (ino >= 0 && poll(&pfd, 1, 200) > 0) {
				char ev[4096];
				while (read(ino, ev, sizeof(ev)) > 0)
					;
			} else if (ino < 0) {
				usleep(100000);
			}
		}
	}
	free(buf);
	return 0;
}
