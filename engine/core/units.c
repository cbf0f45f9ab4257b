/* units.c: see units.h.  The rules and messages follow docker's go-units
 * (size.go, ulimit.go, duration.go) and its restart policy parser. */
#define _GNU_SOURCE
#include "units.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>

long long parse_ram_size(const char *s)
{
	const char *sep = NULL;
	char num[64], sfx[8];
	double size;
	char *end;

	/* The last digit, dot or space splits number and suffix. */
	for (const char *p = s; *p; p++)
		if (isdigit((unsigned char)*p) || *p == '.' || *p == ' ')
			sep = p;
	if (!sep)
		return -1;
	size_t nlen = (size_t)(sep - s) + (*sep == ' ' ? 0 : 1);
	if (nlen == 0 || nlen >= sizeof(num) || strlen(sep + 1) >= sizeof(sfx))
		return -1;
	memcpy(num, s, nlen);
	num[nlen] = '\0';
	snprintf(sfx, sizeof(sfx), "%s", sep + 1);
	errno = 0;
	size = strtod(num, &end);
	if (errno || *end || end == num || size < 0 || isnan(size))
		return -1;
	if (!sfx[0])
		return (long long)size;
	if (strlen(sfx) > 3)
		return -1;
	for (char *p = sfx; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (sfx[0] == 'b')
		return sfx[1] ? -1 : (long long)size;
	const char *units = "kmgtp";
	const char *u = strchr(units, sfx[0]);
	if (!u)
		return -1;
	if ((strlen(sfx) == 2 && sfx[1] != 'b') || (strlen(sfx) == 3 && strcmp(sfx + 1, "ib") != 0))
		return -1;
	for (long i = 0; i <= u - units; i++)
		size *= 1024;
	return (long long)size;
}

static const struct {
	const char *name;
	int sig;
} signals[] = {
	{"ABRT", SIGABRT}, {"ALRM", SIGALRM}, {"BUS", SIGBUS}, {"CHLD", SIGCHLD}, {"CLD", SIGCHLD},
	{"CONT", SIGCONT}, {"FPE", SIGFPE}, {"HUP", SIGHUP}, {"ILL", SIGILL}, {"INT", SIGINT},
	{"IO", SIGIO}, {"IOT", SIGIOT}, {"KILL", SIGKILL}, {"PIPE", SIGPIPE}, {"POLL", SIGPOLL},
	{"PROF", SIGPROF}, {"PWR", SIGPWR}, {"QUIT", SIGQUIT}, {"SEGV", SIGSEGV}, {"STKFLT", SIGSTKFLT},
	{"STOP", SIGSTOP}, {"SYS", SIGSYS}, {"TERM", SIGTERM}, {"TRAP", SIGTRAP}, {"TSTP", SIGTSTP},
	{"TTIN", SIGTTIN}, {"TTOU", SIGTTOU}, {"URG", SIGURG}, {"USR1", SIGUSR1}, {"USR2", SIGUSR2},
	{"VTALRM", SIGVTALRM}, {"WINCH", SIGWINCH}, {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},
};

int parse_signal(const char *s)
{
	char *end;
	long n;

	if (!s || !*s)
		return 0;
	n = strtol(s, &end, 10);
	if (*end == '\0')
		return n > 0 && n < 65 ? (int)n : 0;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (strcasecmp(s, signals[i].name) == 0)
			return signals[i].sig;
	/* RTMIN+n / RTMAX-n */
	if (strncasecmp(s, "RTMIN+", 6) == 0) {
		n = strtol(s + 6, &end, 10);
		if (!*end && SIGRTMIN + n <= SIGRTMAX)
			return SIGRTMIN + (int)n;
	}
	return 0;
}

const char *signal_name(int sig)
{
	static char buf[16];
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
		if (signals[i].sig == sig && strcmp(signals[i].name, "CLD") != 0 && strcmp(signals[i].name, "IOT") != 0 &&
		    strcmp(signals[i].name, "POLL") != 0) {
			snprintf(buf, sizeof(buf), "SIG%s", signals[i].name);
			return buf;
		}
	}
	snprintf(buf, sizeof(buf), "%d", sig);
	return buf;
}

static const struct {
	const char *name;
	int res;
} ulimits[] = {
	{"core", RLIMIT_CORE}, {"cpu", RLIMIT_CPU}, {"data", RLIMIT_DATA}, {"fsize", RLIMIT_FSIZE},
	{"locks", RLIMIT_LOCKS}, {"memlock", RLIMIT_MEMLOCK}, {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},
	{"nofile", RLIMIT_NOFILE}, {"nproc", RLIMIT_NPROC}, {"rss", RLIMIT_RSS}, {"rtprio", RLIMIT_RTPRIO},
	{"rttime", RLIMIT_RTTIME}, {"sigpending", RLIMIT_SIGPENDING}, {"stack", RLIMIT_STACK},
};

static int parse_i64(const char *s, long long *out)
{
	char *end;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno || !*s || *end ? -1 : 0;
}

int parse_ulimit(const char *s, struct ulimit *out, char *why, size_t why_len)
{
	const char *eq = strchr(s, '=');
	char name[32], *colon;
	char vals[128];

	memset(out, 0, sizeof(*out));
	if (!eq) {
		snprintf(why, why_len, "invalid ulimit argument: %s", s);
		return -1;
	}
	snprintf(name, sizeof(name), "%.*s", (int)(eq - s), s);
	out->resource = -1;
	for (size_t i = 0; i < sizeof(ulimits) / sizeof(ulimits[0]); i++)
		if (strcmp(name, ulimits[i].name) == 0)
			out->resource = ulimits[i].res;
	if (out->resource < 0) {
		snprintf(why, why_len, "invalid ulimit type: %s", name);
		return -1;
	}
	snprintf(out->name, sizeof(out->name), "%s", name);
	snprintf(vals, sizeof(vals), "%s", eq + 1);
	colon = strchr(vals, ':');
	if (colon)
		*colon++ = '\0';
	if (parse_i64(vals, &out->soft) < 0) {
		snprintf(why, why_len, "strconv.ParseInt: parsing \"%s\": invalid syntax", vals);
		return -1;
	}
	out->hard = out->soft;
	if (colon && (strchr(colon, ':') || parse_i64(colon, &out->hard) < 0)) {
		if (strchr(colon, ':'))
			snprintf(why, why_len, "too many limit value arguments - %s, can only have up to two, `soft[:hard]`",
				 eq + 1);
		else
			snprintf(why, why_len, "strconv.ParseInt: parsing \"%s\": invalid syntax", colon);
		return -1;
	}
	if (out->soft > out->hard) {
		snprintf(why, why_len, "ulimit soft limit must be less than or equal to hard limit: %lld > %lld",
			 out->soft, out->hard);
		return -1;
	}
	return 0;
}

int parse_restart(const char *s, struct restart_policy *out, berr_t *err)
{
	const char *colon = strchr(s, ':');
	char name[32];

	memset(out, 0, sizeof(*out));
	if (!*s) {
		snprintf(out->name, sizeof(out->name), "no");
		return 0;
	}
	snprintf(name, sizeof(name), "%.*s", colon ? (int)(colon - s) : (int)strlen(s), s);
	if (colon) {
		long long n;
		if (!*name)
			return berr_make(err, 0, "invalid restart policy format: no policy provided before colon");
		if (parse_i64(colon + 1, &n) < 0)
			return berr_make(err, 0, "invalid restart policy format: maximum retry count must be an integer");
		if (strcmp(name, "on-failure") != 0)
			return berr_make(err, 0, "Error response from daemon: invalid restart policy '%s': maximum retry count can only be used with 'on-failure'", name);
		if (n < 0)
			return berr_make(err, 0, "Error response from daemon: invalid restart policy: maximum retry count cannot be negative");
		out->max_retry = (int)n;
	}
	if (strcmp(name, "no") && strcmp(name, "always") && strcmp(name, "unless-stopped") && strcmp(name, "on-failure"))
		return berr_make(err, 0, "Error response from daemon: invalid restart policy '%s'", name);
	snprintf(out->name, sizeof(out->name), "%s", name);
	return 0;
}

void human_duration(long long ns, char *buf, size_t len)
{
	double secs = (double)ns / 1e9;
	long long seconds = (long long)secs, minutes = (long long)(secs / 60);
	long long hours = (long long)(secs / 3600 + 0.5);

	if (seconds < 1)
		snprintf(buf, len, "Less than a second");
	else if (seconds == 1)
		snprintf(buf, len, "1 second");
	else if (seconds < 60)
		snprintf(buf, len, "%lld seconds", seconds);
	else if (minutes == 1)
		snprintf(buf, len, "About a minute");
	else if (minutes < 60)
		snprintf(buf, len, "%lld minutes", minutes);
	else if (hours == 1)
		snprintf(buf, len, "About an hour");
	else if (hours < 48)
		snprintf(buf, len, "%lld hours", hours);
	else if (hours < 24 * 7 * 2)
		snprintf(buf, len, "%lld days", hours / 24);
	else if (hours < 24 * 30 * 2)
		snprintf(buf, len, "%lld weeks", hours / 24 / 7);
	else if (hours < 24 * 365 * 2)
		snprintf(buf, len, "%lld months", hours / 24 / 30);
	else
		snprintf(buf, len, "%lld years", (long long)(secs / 3600) / 24 / 365);
}

void human_since(long long then, char *buf, size_t len)
{
	char d[64];

	if (then <= 0) {
		snprintf(buf, len, "N/A");
		return;
	}
	human_duration(((long long)time(NULL) - then) * 1000000000LL, d, sizeof(d));
	snprintf(buf, len, "%s ago", d);
}

static void human_size(double size, double base, const char *const *abbr, size_t n, int precision, char *buf,
		       size_t len)
{
	size_t i = 0;
	while (size >= base && i < n - 1) {
		size /= base;
		i++;
	}
	snprintf(buf, len, "%.*g%s", precision, size, abbr[i]);
}

static const char *const decimal_units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};

void human_size_decimal(double bytes, char *buf, size_t len)
{
	human_size(bytes, 1000.0, decimal_units, 9, 4, buf, len);
}

void human_size_decimal3(double bytes, char *buf, size_t len)
{
	human_size(bytes, 1000.0, decimal_units, 9, 3, buf, len);
}

void human_size_binary(double bytes, char *buf, size_t len)
{
	static const char *const a[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"};
	human_size(bytes, 1024.0, a, 9, 4, buf, len);
}

/* Go's time.ParseDuration, for the units logs --since accepts. */
static long long parse_go_duration(const char *s)
{
	long long total = 0;
	if (!*s)
		return -1;
	while (*s) {
		char *end;
		double v = strtod(s, &end);
		if (end == s)
			return -1;
		s = end;
		double mul;
		if (strncmp(s, "ns", 2) == 0)
			mul = 1, s += 2;
		else if (strncmp(s, "us", 2) == 0 || strncmp(s, "\xc2\xb5s", 3) == 0)
			mul = 1e3, s += (*s == 'u' ? 2 : 3);
		else if (strncmp(s, "ms", 2) == 0)
			mul = 1e6, s += 2;
		else if (*s == 's')
			mul = 1e9, s += 1;
		else if (*s == 'm')
			mul = 60e9, s += 1;
		else if (*s == 'h')
			mul = 3600e9, s += 1;
		else
			return -1;
		total += (long long)(v * mul);
	}
	return total;
}

long long parse_timestamp(const char *s, long long now)
{
	struct tm tm;
	char *end;
	long long d;

	if (!s || !*s)
		return -1;
	d = parse_go_duration(s);
	if (d >= 0)
		return now - d;
	/* Unix seconds with an optional fraction. */
	{
		errno = 0;
		double v = strtod(s, &end);
		if (!errno && *end == '\0' && end != s && strchr(s, '-') == NULL)
			return (long long)(v * 1e9);
	}
	/* RFC 3339 (and its date-only and no-zone forms, as local time). */
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end) {
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, "%Y-%m-%d", &tm);
		if (!end || *end)
			return -1;
		return (long long)mktime(&tm) * 1000000000LL;
	}
	long long frac = 0;
	if (*end == '.') {
		long long scale = 100000000;
		for (end++; isdigit((unsigned char)*end); end++, scale /= 10)
			frac += (*end - '0') * scale;
	}
	if (*end == 'Z' && end[1] == '\0')
		return (long long)timegm(&tm) * 1000000000LL + frac;
	if ((*end == '+' || *end == '-') && strlen(end) == 6 && end[3] == ':') {
		int sign = *end == '-' ? -1 : 1;
		int off = (atoi(end + 1) * 60 + atoi(end + 4)) * 60;
		return ((long long)timegm(&tm) - sign * off) * 1000000000LL + frac;
	}
	if (*end == '\0')
		return (long long)mktime(&tm) * 1000000000LL + frac;
	return -1;
}
