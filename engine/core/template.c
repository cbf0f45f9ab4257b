/* template.c: Go's text/template over jansson values (see template.h).
 *
 * Four parts, in the order data flows:
 *   1. Go's value printing: fmt's %v/%d/%s/%q..., strconv's shortest
 *      floats and quoting, encoding/json's marshalling;
 *   2. the lexer, a port of text/template/parse/lex.go's state machine,
 *      run to the end (or the first error) into a token array;
 *   3. the parser, a port of parse.go's recursive descent, building nodes
 *      that keep their byte offsets for Go-style error positions;
 *   4. the evaluator, a port of exec.go and funcs.go, plus docker's
 *      functions (json, split, join, lower, upper, title, pad, truncate).
 * Keeping Go's structure (and its messages) means a learner's format
 * string behaves, and fails, the way docker's documentation says.
 *
 * Errors inside the parser and the evaluator unwind with longjmp, as Go's
 * panics do; nothing they allocate is lost: parse nodes are kept in one
 * array owned by the template, and every value the evaluator creates goes
 * into a pool freed when the execution ends.
 */
#define _GNU_SOURCE
#include "template.h"
#include "tabwriter.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wctype.h>

/* ------------------------------------------------------------------ */
/* Byte buffers                                                        */
/* ------------------------------------------------------------------ */

struct sbuf {
	char *p;
	size_t n, cap;
};

static void sb_grow(struct sbuf *b, size_t extra)
{
	if (b->n + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->n + extra + 1)
		cap *= 2;
	b->p = xrealloc(b->p, cap);
	b->cap = cap;
}

static void sb_add(struct sbuf *b, const void *s, size_t n)
{
	sb_grow(b, n);
	if (n)
		memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void sb_addc(struct sbuf *b, char c)
{
	sb_add(b, &c, 1);
}

static void sb_adds(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void sb_fill(struct sbuf *b, char c, size_t n)
{
	sb_grow(b, n);
	memset(b->p + b->n, c, n);
	b->n += n;
	b->p[b->n] = '\0';
}

__attribute__((format(printf, 2, 3))) static void sb_addf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	char small[128];
	int len;

	va_start(ap, fmt);
	len = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	if ((size_t)len < sizeof(small)) {
		sb_add(b, small, (size_t)len);
		return;
	}
	sb_grow(b, (size_t)len);
	va_start(ap, fmt);
	vsnprintf(b->p + b->n, (size_t)len + 1, fmt, ap);
	va_end(ap);
	b->n += (size_t)len;
}

/* The buffer's string, owned by the caller; the buffer is left empty. */
static char *sb_steal(struct sbuf *b)
{
	char *p = b->p ? b->p : xstrdup("");
	memset(b, 0, sizeof(*b));
	return p;
}

/* ------------------------------------------------------------------ */
/* UTF-8 and Unicode, the way Go's unicode/utf8 packages see them      */
/* ------------------------------------------------------------------ */

#define RUNE_ERROR 0xFFFDu

/* Decode one rune; a malformed sequence is U+FFFD of size 1, as in Go. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *r)
{
	unsigned char c = s[0];
	size_t need;
	uint32_t cp, min;

	if (c < 0x80) {
		*r = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		need = 1, cp = c & 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		need = 2, cp = c & 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 3, cp = c & 0x07, min = 0x10000;
	else
		goto bad;
	if (need >= n)
		goto bad;
	for (size_t k = 1; k <= need; k++) {
		if ((s[k] & 0xc0) != 0x80)
			goto bad;
		cp = (cp << 6) | (s[k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		goto bad;
	*r = cp;
	return need + 1;
bad:
	*r = RUNE_ERROR;
	return 1;
}

static size_t utf8_encode(uint32_t r, char *out)
{
	if (r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff))
		r = RUNE_ERROR;
	if (r < 0x80) {
		out[0] = (char)r;
		return 1;
	}
	if (r < 0x800) {
		out[0] = (char)(0xc0 | (r >> 6));
		out[1] = (char)(0x80 | (r & 0x3f));
		return 2;
	}
	if (r < 0x10000) {
		out[0] = (char)(0xe0 | (r >> 12));
		out[1] = (char)(0x80 | ((r >> 6) & 0x3f));
		out[2] = (char)(0x80 | (r & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (r >> 18));
	out[1] = (char)(0x80 | ((r >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((r >> 6) & 0x3f));
	out[3] = (char)(0x80 | (r & 0x3f));
	return 4;
}

static void sb_addrune(struct sbuf *b, uint32_t r)
{
	char tmp[4];
	sb_add(b, tmp, utf8_encode(r, tmp));
}

static size_t rune_count(const char *s, size_t n)
{
	size_t i = 0, count = 0;
	uint32_t r;
	while (i < n) {
		i += utf8_decode((const unsigned char *)s + i, n - i, &r);
		count++;
	}
	return count;
}

/* Unicode classes and case mapping come from glibc's C.UTF-8 locale (the
 * process itself stays in the "C" locale, so printf and strtod keep '.'). */
static locale_t utf8_locale(void)
{
	static locale_t loc;
	static bool tried;
	if (!tried) {
		tried = true;
		loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	}
	return loc;
}

static bool u_isletter(uint32_t r)
{
	if (r < 0x80)
		return isalpha((int)r);
	return utf8_locale() && iswalpha_l((wint_t)r, utf8_locale());
}

static bool u_isdigit(uint32_t r)
{
	if (r < 0x80)
		return r >= '0' && r <= '9';
	return utf8_locale() && iswdigit_l((wint_t)r, utf8_locale());
}

static bool u_isprint(uint32_t r)
{
	if (r < 0x80)
		return r >= 0x20 && r < 0x7f;
	if (r == 0xad)  /* soft hyphen: Go does not count it as printable */
		return false;
	return utf8_locale() && iswprint_l((wint_t)r, utf8_locale());
}

static uint32_t u_upper(uint32_t r)
{
	if (r < 0x80)
		return (r >= 'a' && r <= 'z') ? r - 32 : r;
	return utf8_locale() ? (uint32_t)towupper_l((wint_t)r, utf8_locale()) : r;
}

static uint32_t u_lower(uint32_t r)
{
	if (r < 0x80)
		return (r >= 'A' && r <= 'Z') ? r + 32 : r;
	return utf8_locale() ? (uint32_t)towlower_l((wint_t)r, utf8_locale()) : r;
}

/* Title case differs from upper case for the digraphs (ǆ → ǅ). */
static uint32_t u_title(uint32_t r)
{
	switch (r) {
	case 0x1c4: case 0x1c5: case 0x1c6: return 0x1c5;
	case 0x1c7: case 0x1c8: case 0x1c9: return 0x1c8;
	case 0x1ca: case 0x1cb: case 0x1cc: return 0x1cb;
	case 0x1f1: case 0x1f2: case 0x1f3: return 0x1f2;
	}
	return u_upper(r);
}

/* ------------------------------------------------------------------ */
/* Floats as strconv formats them                                      */
/* ------------------------------------------------------------------ */

/* The shortest decimal digits that read back as v (v finite, >= 0):
 * v = 0.DIGITS x 10^dp.  Zero has no digits, as in strconv. */
struct decimal {
	char d[32];
	int nd, dp;
};

static void shortest_decimal(double v, struct decimal *dec)
{
	char buf[64];
	int p;

	memset(dec, 0, sizeof(*dec));
	if (v == 0)
		return;
	/* The correctly rounded p-digit decimal is the closest one; the first
	 * p for which it reads back is the shortest representation. */
	for (p = 1; p <= 17; p++) {
		snprintf(buf, sizeof(buf), "%.*e", p - 1, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	char *e = strchr(buf, 'e');
	for (char *c = buf; c < e; c++)
		if (*c >= '0' && *c <= '9')
			dec->d[dec->nd++] = *c;
	while (dec->nd > 1 && dec->d[dec->nd - 1] == '0')
		dec->nd--;
	dec->dp = atoi(e + 1) + 1;
}

/* strconv's %e with prec digits after the point from a decimal. */
static void fmt_e(struct sbuf *b, const struct decimal *dec, int prec, char e)
{
	sb_addc(b, dec->nd ? dec->d[0] : '0');
	if (prec > 0) {
		sb_addc(b, '.');
		for (int i = 1; i <= prec; i++)
			sb_addc(b, i < dec->nd ? dec->d[i] : '0');
	}
	int exp = dec->nd ? dec->dp - 1 : 0;
	sb_addc(b, e);
	sb_addc(b, exp < 0 ? '-' : '+');
	if (exp < 0)
		exp = -exp;
	if (exp < 10)
		sb_addc(b, '0');
	sb_addf(b, "%d", exp);
}

/* strconv's %f with prec digits after the point from a decimal. */
static void fmt_f(struct sbuf *b, const struct decimal *dec, int prec)
{
	if (dec->dp > 0) {
		int m = dec->nd < dec->dp ? dec->nd : dec->dp;
		sb_add(b, dec->d, (size_t)m);
		for (; m < dec->dp; m++)
			sb_addc(b, '0');
	} else {
		sb_addc(b, '0');
	}
	if (prec > 0) {
		sb_addc(b, '.');
		for (int i = 0; i < prec; i++) {
			int j = dec->dp + i;
			sb_addc(b, (j >= 0 && j < dec->nd) ? dec->d[j] : '0');
		}
	}
}

/* strconv.FormatFloat(v, 'g', -1, 64): Go's %v for a float64. */
static void fmt_float_shortest(struct sbuf *b, double v, char verb)
{
	struct decimal dec;

	if (isnan(v)) {
		sb_adds(b, "NaN");
		return;
	}
	if (isinf(v)) {
		sb_adds(b, v < 0 ? "-Inf" : "+Inf");
		return;
	}
	if (signbit(v))
		sb_addc(b, '-');
	shortest_decimal(fabs(v), &dec);
	switch (verb) {
	case 'e':
	case 'E':
		fmt_e(b, &dec, dec.nd > 1 ? dec.nd - 1 : 0, verb);
		return;
	case 'f':
	case 'F':
		fmt_f(b, &dec, dec.nd - dec.dp > 0 ? dec.nd - dec.dp : 0);
		return;
	default: {
		int exp = dec.dp - 1;
		/* For the shortest form Go decides by an exponent of 6. */
		if (dec.nd && (exp < -4 || exp >= 6))
			fmt_e(b, &dec, dec.nd - 1, verb == 'G' ? 'E' : 'e');
		else
			fmt_f(b, &dec, dec.nd - dec.dp > 0 ? dec.nd - dec.dp : 0);
	}
	}
}

/* ------------------------------------------------------------------ */
/* Quoting as strconv.Quote does                                       */
/* ------------------------------------------------------------------ */

static void quote_rune_into(struct sbuf *b, uint32_t r, char quote, bool ascii_only)
{
	static const char hex[] = "0123456789abcdef";

	if (r == (uint32_t)quote || r == '\\') {
		sb_addc(b, '\\');
		sb_addc(b, (char)r);
		return;
	}
	if (ascii_only ? (r < 0x80 && u_isprint(r)) : u_isprint(r)) {
		sb_addrune(b, r);
		return;
	}
	switch (r) {
	case '\a': sb_adds(b, "\\a"); return;
	case '\b': sb_adds(b, "\\b"); return;
	case '\f': sb_adds(b, "\\f"); return;
	case '\n': sb_adds(b, "\\n"); return;
	case '\r': sb_adds(b, "\\r"); return;
	case '\t': sb_adds(b, "\\t"); return;
	case '\v': sb_adds(b, "\\v"); return;
	}
	if (r < ' ' || r == 0x7f) {
		sb_adds(b, "\\x");
		sb_addc(b, hex[(r >> 4) & 0xf]);
		sb_addc(b, hex[r & 0xf]);
	} else if (r < 0x10000) {
		sb_addf(b, "\\u%04x", (unsigned)r);
	} else {
		sb_addf(b, "\\U%08x", (unsigned)r);
	}
}

static void go_quote(struct sbuf *b, const char *s, size_t n, bool ascii_only)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0;

	sb_addc(b, '"');
	while (i < n) {
		uint32_t r;
		size_t sz = utf8_decode((const unsigned char *)s + i, n - i, &r);
		if (r == RUNE_ERROR && sz == 1) {
			/* A malformed byte is shown as itself. */
			sb_adds(b, "\\x");
			sb_addc(b, hex[((unsigned char)s[i] >> 4) & 0xf]);
			sb_addc(b, hex[(unsigned char)s[i] & 0xf]);
		} else {
			quote_rune_into(b, r, '"', ascii_only);
		}
		i += sz;
	}
	sb_addc(b, '"');
}

static void go_quote_rune(struct sbuf *b, uint32_t r, bool ascii_only)
{
	if (r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff))
		r = RUNE_ERROR;
	sb_addc(b, '\'');
	quote_rune_into(b, r, '\'', ascii_only);
	sb_addc(b, '\'');
}

/* strconv.CanBackquote: no control characters but tab, no backquote,
 * valid UTF-8 and no U+FEFF. */
static bool can_backquote(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint32_t r;
		size_t sz = utf8_decode((const unsigned char *)s + i, n - i, &r);
		if (sz == 1 && r == RUNE_ERROR)
			return false;
		if ((r < ' ' && r != '\t') || r == '`' || r == 0x7f || r == 0xfeff)
			return false;
		i += sz;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* JSON as Go's encoding/json writes it                                */
/* ------------------------------------------------------------------ */

static void json_quote(struct sbuf *b, const char *s, size_t n, bool escape_html)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, start = 0;

	sb_addc(b, '"');
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80) {
			bool safe = c >= 0x20 && c != '"' && c != '\\' &&
				    !(escape_html && (c == '<' || c == '>' || c == '&'));
			if (safe) {
				i++;
				continue;
			}
			sb_add(b, s + start, i - start);
			switch (c) {
			case '"': sb_adds(b, "\\\""); break;
			case '\\': sb_adds(b, "\\\\"); break;
			case '\b': sb_adds(b, "\\b"); break;
			case '\f': sb_adds(b, "\\f"); break;
			case '\n': sb_adds(b, "\\n"); break;
			case '\r': sb_adds(b, "\\r"); break;
			case '\t': sb_adds(b, "\\t"); break;
			default:
				sb_adds(b, "\\u00");
				sb_addc(b, hex[c >> 4]);
				sb_addc(b, hex[c & 0xf]);
			}
			i++;
			start = i;
			continue;
		}
		uint32_t r;
		size_t sz = utf8_decode((const unsigned char *)s + i, n - i, &r);
		if (r == RUNE_ERROR && sz == 1) {
			sb_add(b, s + start, i - start);
			sb_adds(b, "\\ufffd");
			i++;
			start = i;
			continue;
		}
		/* U+2028 and U+2029 end lines in JavaScript: Go escapes them. */
		if (r == 0x2028 || r == 0x2029) {
			sb_add(b, s + start, i - start);
			sb_addf(b, "\\u%04x", (unsigned)r);
			i += sz;
			start = i;
			continue;
		}
		i += sz;
	}
	sb_add(b, s + start, n - start);
	sb_addc(b, '"');
}

static void json_float(struct sbuf *b, double v)
{
	struct decimal dec;
	double a = fabs(v);

	if (signbit(v))
		sb_addc(b, '-');
	shortest_decimal(a, &dec);
	/* encoding/json: 'e' below 1e-6 and from 1e21 on, 'f' otherwise. */
	if (a != 0 && (a < 1e-6 || a >= 1e21)) {
		struct sbuf e = {0};
		fmt_e(&e, &dec, dec.nd > 1 ? dec.nd - 1 : 0, 'e');
		/* and e-07 becomes e-7 */
		if (e.n >= 4 && e.p[e.n - 4] == 'e' && e.p[e.n - 3] == '-' && e.p[e.n - 2] == '0') {
			e.p[e.n - 2] = e.p[e.n - 1];
			e.n--;
		}
		sb_add(b, e.p, e.n);
		free(e.p);
	} else {
		fmt_f(b, &dec, dec.nd - dec.dp > 0 ? dec.nd - dec.dp : 0);
	}
}

/* Typed nils: one empty array and one empty object that stand for a nil
 * slice and a nil map; made once, never freed. */
static json_t *nil_slice, *nil_map;

json_t *tmpl_nil_slice(void)
{
	if (!nil_slice)
		nil_slice = json_array();
	return nil_slice;
}

json_t *tmpl_nil_map(void)
{
	if (!nil_map)
		nil_map = json_object();
	return nil_map;
}

static void json_encode(struct sbuf *b, json_t *v, bool escape_html, int depth)
{
	if (v == NULL || depth > 10000 || (v && (v == nil_slice || v == nil_map))) {
		sb_adds(b, "null");
		return;
	}
	switch (json_typeof(v)) {
	case JSON_NULL: sb_adds(b, "null"); break;
	case JSON_TRUE: sb_adds(b, "true"); break;
	case JSON_FALSE: sb_adds(b, "false"); break;
	case JSON_INTEGER: sb_addf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v)); break;
	case JSON_REAL: json_float(b, json_real_value(v)); break;
	case JSON_STRING: json_quote(b, json_string_value(v), json_string_length(v), escape_html); break;
	case JSON_ARRAY: {
		size_t i;
		json_t *e;
		sb_addc(b, '[');
		json_array_foreach(v, i, e) {
			if (i)
				sb_addc(b, ',');
			json_encode(b, e, escape_html, depth + 1);
		}
		sb_addc(b, ']');
		break;
	}
	case JSON_OBJECT: {
		const char *k;
		json_t *e;
		bool first = true;
		sb_addc(b, '{');
		json_object_foreach(v, k, e) {
			if (!first)
				sb_addc(b, ',');
			first = false;
			json_quote(b, k, strlen(k), escape_html);
			sb_addc(b, ':');
			json_encode(b, e, escape_html, depth + 1);
		}
		sb_addc(b, '}');
		break;
	}
	}
}

char *tmpl_json_marshal(json_t *v, bool escape_html)
{
	struct sbuf b = {0};
	json_encode(&b, v, escape_html, 0);
	return sb_steal(&b);
}

/* ------------------------------------------------------------------ */
/* fmt: Print, Println, Printf over JSON values                       */
/* ------------------------------------------------------------------ */

/* Go's name of the type a JSON value has once decoded (or built here). */
static const char *go_type(json_t *v)
{
	if (v == NULL)
		return "<nil>";
	switch (json_typeof(v)) {
	case JSON_STRING: return "string";
	case JSON_INTEGER: return "int";
	case JSON_REAL: return "float64";
	case JSON_TRUE:
	case JSON_FALSE: return "bool";
	case JSON_ARRAY: return "[]interface {}";
	case JSON_OBJECT: return "map[string]interface {}";
	default: return "<nil>";
	}
}

struct fmtflags {
	bool minus, plus, sharp, space, zero;
	bool plus_v, sharp_v;
	bool wid_present, prec_present;
	int wid, prec;
};

static void fmt_padding(struct sbuf *b, const struct fmtflags *f, size_t n)
{
	sb_fill(b, f->zero ? '0' : ' ', n);
}

/* fmt.pad: width counted in runes, spaces (or zeros) left unless '-'. */
static void fmt_pad(struct sbuf *b, const struct fmtflags *f, const char *s, size_t n)
{
	if (!f->wid_present || f->wid == 0) {
		sb_add(b, s, n);
		return;
	}
	size_t w = rune_count(s, n);
	size_t pad = (size_t)f->wid > w ? (size_t)f->wid - w : 0;
	if (!f->minus) {
		fmt_padding(b, f, pad);
		sb_add(b, s, n);
	} else {
		sb_add(b, s, n);
		sb_fill(b, ' ', pad);
	}
}

static void fmt_integer(struct sbuf *b, struct fmtflags *f, long long sv, int base, char verb, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEFX" : "0123456789abcdefx";
	bool negative = sv < 0;
	unsigned long long u = negative ? 0ULL - (unsigned long long)sv : (unsigned long long)sv;
	char tmp[96];
	int i = (int)sizeof(tmp);
	int prec = 0;

	if (f->prec_present) {
		prec = f->prec;
		if (prec == 0 && u == 0) {
			bool z = f->zero;
			f->zero = false;
			sb_fill(b, ' ', f->wid_present ? (size_t)f->wid : 0);
			f->zero = z;
			return;
		}
	} else if (f->zero && !f->minus && f->wid_present) {
		prec = f->wid;
		if (negative || f->plus || f->space)
			prec--;
	}
	struct sbuf big = {0};
	char *out = tmp;
	if (prec > 80) {
		/* A wide zero-padded number: build it in a heap buffer. */
		sb_grow(&big, (size_t)prec + 8);
		out = big.p;
		i = (int)prec + 8;
	}
	int end = i;
	do {
		out[--i] = digits[u % (unsigned)base];
		u /= (unsigned)base;
	} while (u);
	while (i > 0 && prec > end - i)
		out[--i] = '0';
	if (f->sharp) {
		if (base == 2) {
			out[--i] = 'b';
			out[--i] = '0';
		} else if (base == 8 && out[i] != '0') {
			out[--i] = '0';
		} else if (base == 16) {
			out[--i] = digits[16];
			out[--i] = '0';
		}
	}
	if (verb == 'O') {
		out[--i] = 'o';
		out[--i] = '0';
	}
	if (negative)
		out[--i] = '-';
	else if (f->plus)
		out[--i] = '+';
	else if (f->space)
		out[--i] = ' ';
	bool z = f->zero;
	f->zero = false;
	fmt_pad(b, f, out + i, (size_t)(end - i));
	f->zero = z;
	free(big.p);
}

static void fmt_float(struct sbuf *b, struct fmtflags *f, double v, char verb)
{
	struct sbuf num = {0};
	bool special = isnan(v) || isinf(v);

	/* Built with its sign always present, as fmt does, then placed. */
	if (isnan(v)) {
		sb_adds(&num, "+NaN");
	} else if (isinf(v)) {
		sb_adds(&num, v < 0 ? "-Inf" : "+Inf");
	} else {
		if (!signbit(v))
			sb_addc(&num, '+');
		int prec = f->prec_present ? f->prec : -1;
		switch (verb) {
		case 'v':
		case 'g':
		case 'G':
			if (prec >= 0)
				sb_addf(&num, verb == 'G' ? "%.*G" : "%.*g", prec, v);
			else
				fmt_float_shortest(&num, v, verb == 'G' ? 'G' : 'g');
			break;
		case 'e':
		case 'E':
			sb_addf(&num, verb == 'e' ? "%.*e" : "%.*E", prec >= 0 ? prec : 6, v);
			break;
		case 'f':
		case 'F':
			sb_addf(&num, "%.*f", prec >= 0 ? prec : 6, v);
			break;
		default: { /* x, X, b: C's hexadecimal form, with Go's two-digit exponent */
			char tmp[64];
			snprintf(tmp, sizeof(tmp), verb == 'X' ? "%A" : "%a", v);
			char *pe = strpbrk(tmp, "pP");
			if (pe && (pe[1] == '+' || pe[1] == '-') && pe[2] && !pe[3]) {
				sb_add(&num, tmp, (size_t)(pe - tmp) + 2);
				sb_addc(&num, '0');
				sb_adds(&num, pe + 2);
			} else {
				sb_adds(&num, tmp);
			}
			break;
		}
		}
		/* C gave "-0..." or a sign of its own only for negatives; keep one sign. */
		if (num.n >= 2 && num.p[0] == '+' && num.p[1] == '-')
			memmove(num.p, num.p + 1, num.n--);
	}
	if (f->space && num.p[0] == '+' && !f->plus)
		num.p[0] = ' ';
	bool z = f->zero;
	if (special)
		f->zero = false;
	if (f->plus || num.p[0] != '+') {
		if (f->zero && !f->minus && f->wid_present && (size_t)f->wid > num.n) {
			sb_addc(b, num.p[0]);
			fmt_padding(b, f, (size_t)f->wid - num.n);
			sb_add(b, num.p + 1, num.n - 1);
		} else {
			fmt_pad(b, f, num.p, num.n);
		}
	} else {
		fmt_pad(b, f, num.p + 1, num.n - 1);
	}
	f->zero = z;
	free(num.p);
}

/* %s with a precision: at most prec runes. */
static size_t truncate_runes(const char *s, size_t n, const struct fmtflags *f)
{
	if (!f->prec_present)
		return n;
	size_t i = 0;
	for (int k = 0; k < f->prec && i < n; k++) {
		uint32_t r;
		i += utf8_decode((const unsigned char *)s + i, n - i, &r);
	}
	return i;
}

static void fmt_hex_string(struct sbuf *b, const struct fmtflags *f, const char *s, size_t n, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEFX" : "0123456789abcdefx";
	size_t length = n;
	if (f->prec_present && (size_t)f->prec < length)
		length = (size_t)f->prec;
	size_t width = 2 * length;
	if (width > 0) {
		if (f->space) {
			if (f->sharp)
				width *= 2;
			width += length - 1;
		} else if (f->sharp) {
			width += 2;
		}
	} else {
		if (f->wid_present)
			fmt_padding(b, f, (size_t)f->wid);
		return;
	}
	if (f->wid_present && (size_t)f->wid > width && !f->minus)
		fmt_padding(b, f, (size_t)f->wid - width);
	if (f->sharp) {
		sb_addc(b, '0');
		sb_addc(b, digits[16]);
	}
	for (size_t i = 0; i < length; i++) {
		unsigned char c = (unsigned char)s[i];
		if (f->space && i > 0) {
			sb_addc(b, ' ');
			if (f->sharp) {
				sb_addc(b, '0');
				sb_addc(b, digits[16]);
			}
		}
		sb_addc(b, digits[c >> 4]);
		sb_addc(b, digits[c & 0xf]);
	}
	if (f->wid_present && (size_t)f->wid > width && f->minus)
		fmt_padding(b, f, (size_t)f->wid - width);
}

static void fmt_value(struct sbuf *b, struct fmtflags *f, json_t *v, const char *verb, size_t verblen, int depth);

static int cmp_strp(const void *a, const void *c)
{
	return strcmp(*(const char *const *)a, *(const char *const *)c);
}

/* An object's keys sorted as Go sorts map keys (bytewise); caller frees. */
static const char **sorted_keys(json_t *obj, size_t *n)
{
	const char **keys;
	const char *key;
	json_t *e;
	size_t k = 0;

	*n = json_object_size(obj);
	keys = xcalloc(*n ? *n : 1, sizeof(*keys));
	json_object_foreach(obj, key, e)
		keys[k++] = key;
	qsort(keys, *n, sizeof(*keys), cmp_strp);
	return keys;
}

static void bad_verb(struct sbuf *b, struct fmtflags *f, json_t *v, const char *verb, size_t verblen)
{
	sb_adds(b, "%!");
	sb_add(b, verb, verblen);
	sb_addc(b, '(');
	if (v == NULL || json_is_null(v)) {
		sb_adds(b, "<nil>");
	} else {
		sb_adds(b, go_type(v));
		sb_addc(b, '=');
		fmt_value(b, f, v, "v", 1, 0);
	}
	sb_addc(b, ')');
}

/* %#v: Go syntax. */
static void fmt_gosyntax(struct sbuf *b, struct fmtflags *f, json_t *v, int depth)
{
	if (v == NULL || json_is_null(v)) {
		sb_adds(b, depth ? "interface {}(nil)" : "<nil>");
		return;
	}
	switch (json_typeof(v)) {
	case JSON_STRING:
		go_quote(b, json_string_value(v), json_string_length(v), false);
		return;
	case JSON_ARRAY: {
		size_t i;
		json_t *e;
		sb_adds(b, "[]interface {}{");
		json_array_foreach(v, i, e) {
			if (i)
				sb_adds(b, ", ");
			fmt_gosyntax(b, f, e, depth + 1);
		}
		sb_addc(b, '}');
		return;
	}
	case JSON_OBJECT: {
		size_t n, k;
		const char **keys = sorted_keys(v, &n);
		sb_adds(b, "map[string]interface {}{");
		for (k = 0; k < n; k++) {
			if (k)
				sb_adds(b, ", ");
			go_quote(b, keys[k], strlen(keys[k]), false);
			sb_addc(b, ':');
			fmt_gosyntax(b, f, json_object_get(v, keys[k]), depth + 1);
		}
		sb_addc(b, '}');
		free(keys);
		return;
	}
	default: {
		bool sv = f->sharp_v;
		f->sharp_v = false;
		fmt_value(b, f, v, "v", 1, depth);
		f->sharp_v = sv;
	}
	}
}


/* fmt's printArg/printValue for one value and one verb (verb may be a
 * multi-byte rune, which is always a bad verb). */
static void fmt_value(struct sbuf *b, struct fmtflags *f, json_t *v, const char *verb, size_t verblen, int depth)
{
	char vc = verblen == 1 ? verb[0] : 0;

	if (vc == 'T') {
		const char *tn = go_type(v);
		fmt_pad(b, f, tn, strlen(tn));
		return;
	}
	if (v == NULL || json_is_null(v)) {
		if (depth > 0) {
			/* a nil inside a slice or map */
			sb_adds(b, "<nil>");
		} else if (vc == 'v') {
			fmt_pad(b, f, "<nil>", 5);
		} else {
			bad_verb(b, f, NULL, verb, verblen);
		}
		return;
	}
	if (vc == 'v' && f->sharp_v) {
		fmt_gosyntax(b, f, v, depth);
		return;
	}
	switch (json_typeof(v)) {
	case JSON_TRUE:
	case JSON_FALSE:
		if (vc == 't' || vc == 'v')
			fmt_pad(b, f, json_is_true(v) ? "true" : "false", json_is_true(v) ? 4 : 5);
		else
			bad_verb(b, f, v, verb, verblen);
		return;
	case JSON_INTEGER: {
		long long n = json_integer_value(v);
		switch (vc) {
		case 'v':
		case 'd': fmt_integer(b, f, n, 10, vc, false); return;
		case 'b': fmt_integer(b, f, n, 2, vc, false); return;
		case 'o':
		case 'O': fmt_integer(b, f, n, 8, vc, false); return;
		case 'x': fmt_integer(b, f, n, 16, vc, false); return;
		case 'X': fmt_integer(b, f, n, 16, vc, true); return;
		case 'c': {
			char tmp[4];
			uint32_t r = (n < 0 || n > 0x10ffff) ? RUNE_ERROR : (uint32_t)n;
			size_t len = utf8_encode(r, tmp);
			fmt_pad(b, f, tmp, len);
			return;
		}
		case 'q': {
			struct sbuf q = {0};
			uint32_t r = (n < 0 || n > 0x10ffff) ? RUNE_ERROR : (uint32_t)n;
			if (f->sharp && u_isprint(r)) {
				sb_addc(&q, '\'');
				sb_addrune(&q, r);
				sb_addc(&q, '\'');
			} else {
				go_quote_rune(&q, r, f->plus);
			}
			fmt_pad(b, f, q.p, q.n);
			free(q.p);
			return;
		}
		case 'U': {
			struct sbuf u = {0};
			int prec = f->prec_present && f->prec > 4 ? f->prec : 4;
			sb_addf(&u, "U+%0*llX", prec > 64 ? 64 : prec, (unsigned long long)n);
			if (f->sharp && n >= 0 && n <= 0x10ffff && u_isprint((uint32_t)n)) {
				sb_adds(&u, " '");
				sb_addrune(&u, (uint32_t)n);
				sb_addc(&u, '\'');
			}
			bool z = f->zero;
			f->zero = false;
			fmt_pad(b, f, u.p, u.n);
			f->zero = z;
			free(u.p);
			return;
		}
		default:
			bad_verb(b, f, v, verb, verblen);
			return;
		}
	}
	case JSON_REAL:
		switch (vc) {
		case 'v': case 'b': case 'g': case 'G': case 'x': case 'X':
		case 'f': case 'F': case 'e': case 'E':
			fmt_float(b, f, json_real_value(v), vc);
			return;
		default:
			bad_verb(b, f, v, verb, verblen);
			return;
		}
	case JSON_STRING: {
		const char *s = json_string_value(v);
		size_t n = json_string_length(v);
		switch (vc) {
		case 'v':
		case 's':
			fmt_pad(b, f, s, truncate_runes(s, n, f));
			return;
		case 'x':
		case 'X':
			fmt_hex_string(b, f, s, n, vc == 'X');
			return;
		case 'q': {
			struct sbuf q = {0};
			n = truncate_runes(s, n, f);
			if (f->sharp && can_backquote(s, n)) {
				sb_addc(&q, '`');
				sb_add(&q, s, n);
				sb_addc(&q, '`');
			} else {
				go_quote(&q, s, n, f->plus);
			}
			fmt_pad(b, f, q.p, q.n);
			free(q.p);
			return;
		}
		default:
			bad_verb(b, f, v, verb, verblen);
			return;
		}
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *e;
		sb_addc(b, '[');
		json_array_foreach(v, i, e) {
			if (i)
				sb_addc(b, ' ');
			fmt_value(b, f, e, verb, verblen, depth + 1);
		}
		sb_addc(b, ']');
		return;
	}
	case JSON_OBJECT: {
		size_t n;
		const char **keys = sorted_keys(v, &n);
		sb_adds(b, "map[");
		for (size_t k = 0; k < n; k++) {
			json_t *key = json_string_nocheck(keys[k]);
			if (k)
				sb_addc(b, ' ');
			fmt_value(b, f, key, verb, verblen, depth + 1);
			json_decref(key);
			sb_addc(b, ':');
			fmt_value(b, f, json_object_get(v, keys[k]), verb, verblen, depth + 1);
		}
		sb_addc(b, ']');
		free(keys);
		return;
	}
	default:
		sb_adds(b, "<nil>");
	}
}

/* fmt.Sprint: a space between operands when neither is a string. */
static void go_sprint(struct sbuf *b, json_t **args, size_t n)
{
	bool prev_string = false;
	for (size_t i = 0; i < n; i++) {
		struct fmtflags f = {0};
		bool is_string = args[i] && json_is_string(args[i]);
		if (i > 0 && !is_string && !prev_string)
			sb_addc(b, ' ');
		fmt_value(b, &f, args[i], "v", 1, 0);
		prev_string = is_string;
	}
}

/* fmt.Sprintln: spaces between all operands, a newline at the end. */
static void go_sprintln(struct sbuf *b, json_t **args, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct fmtflags f = {0};
		if (i > 0)
			sb_addc(b, ' ');
		fmt_value(b, &f, args[i], "v", 1, 0);
	}
	sb_addc(b, '\n');
}

static bool too_large(long x)
{
	return x > 1000000 || x < -1000000;
}

static bool parse_num(const char *s, size_t start, size_t end, int *num, size_t *newi)
{
	long v = 0;
	bool isnum = false;
	size_t i;

	if (start >= end) {
		*num = 0;
		*newi = end;
		return false;
	}
	for (i = start; i < end && s[i] >= '0' && s[i] <= '9'; i++) {
		if (too_large(v)) {
			*num = 0;
			*newi = end;
			return false;
		}
		v = v * 10 + (s[i] - '0');
		isnum = true;
	}
	*num = (int)v;
	*newi = i;
	return isnum;
}

struct printf_state {
	bool reordered, good_argnum;
};

/* fmt's argNumber: an explicit [n] argument index. */
static size_t arg_number(struct printf_state *ps, size_t *argnum, const char *fmt, size_t i, size_t end,
			 size_t nargs, bool *found)
{
	*found = false;
	if (i >= end || fmt[i] != '[')
		return i;
	ps->reordered = true;
	if (end - i < 3) {
		ps->good_argnum = false;
		return i + 1;
	}
	for (size_t j = i + 1; j < end; j++) {
		if (fmt[j] == ']') {
			int width;
			size_t newi;
			bool ok = parse_num(fmt, i + 1, j, &width, &newi);
			if (!ok || newi != j) {
				ps->good_argnum = false;
				return j + 1;
			}
			int index = width - 1;
			if (index >= 0 && (size_t)index < nargs) {
				*argnum = (size_t)index;
				*found = true;
				return j + 1;
			}
			ps->good_argnum = false;
			*found = true;
			return j + 1;
		}
	}
	ps->good_argnum = false;
	return i + 1;
}

static bool int_from_arg(json_t **args, size_t nargs, size_t *argnum, int *num)
{
	bool ok = false;
	*num = 0;
	if (*argnum < nargs) {
		json_t *a = args[*argnum];
		if (a && json_is_integer(a) && !too_large((long)json_integer_value(a))) {
			*num = (int)json_integer_value(a);
			ok = true;
		}
		(*argnum)++;
	}
	return ok;
}

/* fmt.Sprintf (doPrintf), with Go's %!verb(...) reports for mismatches. */
static void go_sprintf(struct sbuf *b, const char *fmt, size_t end, json_t **args, size_t nargs)
{
	struct printf_state ps = {false, true};
	size_t argnum = 0, i = 0;
	bool after_index = false;

	while (i < end) {
		struct fmtflags f = {0};
		size_t lasti = i;

		ps.good_argnum = true;
		while (i < end && fmt[i] != '%')
			i++;
		if (i > lasti)
			sb_add(b, fmt + lasti, i - lasti);
		if (i >= end)
			break;
		i++;
		for (; i < end; i++) {
			char c = fmt[i];
			if (c == '#')
				f.sharp = true;
			else if (c == '0')
				f.zero = !f.minus;
			else if (c == '+')
				f.plus = true;
			else if (c == '-')
				f.minus = true, f.zero = false;
			else if (c == ' ')
				f.space = true;
			else
				break;
		}
		i = arg_number(&ps, &argnum, fmt, i, end, nargs, &after_index);
		if (i < end && fmt[i] == '*') {
			i++;
			f.wid_present = int_from_arg(args, nargs, &argnum, &f.wid);
			if (!f.wid_present)
				sb_adds(b, "%!(BADWIDTH)");
			if (f.wid < 0) {
				f.wid = -f.wid;
				f.minus = true;
				f.zero = false;
			}
			after_index = false;
		} else {
			f.wid_present = parse_num(fmt, i, end, &f.wid, &i);
			if (after_index && f.wid_present)
				ps.good_argnum = false;
		}
		if (i + 1 < end && fmt[i] == '.') {
			i++;
			if (after_index)
				ps.good_argnum = false;
			i = arg_number(&ps, &argnum, fmt, i, end, nargs, &after_index);
			if (i < end && fmt[i] == '*') {
				i++;
				f.prec_present = int_from_arg(args, nargs, &argnum, &f.prec);
				if (f.prec < 0) {
					f.prec = 0;
					f.prec_present = false;
				}
				if (!f.prec_present)
					sb_adds(b, "%!(BADPREC)");
				after_index = false;
			} else {
				f.prec_present = parse_num(fmt, i, end, &f.prec, &i);
				if (!f.prec_present) {
					f.prec = 0;
					f.prec_present = true;
				}
			}
		}
		if (!after_index)
			i = arg_number(&ps, &argnum, fmt, i, end, nargs, &after_index);
		if (i >= end) {
			sb_adds(b, "%!(NOVERB)");
			break;
		}
		uint32_t r;
		size_t vlen = utf8_decode((const unsigned char *)fmt + i, end - i, &r);
		const char *verb = fmt + i;
		i += vlen;
		if (vlen == 1 && verb[0] == '%') {
			sb_addc(b, '%');
		} else if (!ps.good_argnum) {
			sb_adds(b, "%!");
			sb_add(b, verb, vlen);
			sb_adds(b, "(BADINDEX)");
		} else if (argnum >= nargs) {
			sb_adds(b, "%!");
			sb_add(b, verb, vlen);
			sb_adds(b, "(MISSING)");
		} else {
			if (vlen == 1 && verb[0] == 'v') {
				f.sharp_v = f.sharp;
				f.sharp = false;
				f.plus_v = f.plus;
				f.plus = false;
			}
			fmt_value(b, &f, args[argnum], verb, vlen, 0);
			argnum++;
		}
	}
	if (!ps.reordered && argnum < nargs) {
		sb_adds(b, "%!(EXTRA ");
		for (size_t k = argnum; k < nargs; k++) {
			struct fmtflags f = {0};
			if (k > argnum)
				sb_adds(b, ", ");
			if (args[k] == NULL || json_is_null(args[k])) {
				sb_adds(b, "<nil>");
			} else {
				sb_adds(b, go_type(args[k]));
				sb_addc(b, '=');
				fmt_value(b, &f, args[k], "v", 1, 0);
			}
		}
		sb_addc(b, ')');
	}
}

/* ------------------------------------------------------------------ */
/* Lexer (text/template/parse/lex.go)                                  */
/* ------------------------------------------------------------------ */

enum tok {
	T_ERROR,
	T_EOF,
	T_TEXT,
	T_LDELIM,
	T_RDELIM,
	T_SPACE,
	T_IDENT,
	T_FIELD,
	T_VAR,
	T_STRING,
	T_RAWSTRING,
	T_CHARCONST,
	T_NUMBER,
	T_COMPLEX,
	T_BOOL,
	T_PIPE,
	T_LPAREN,
	T_RPAREN,
	T_DECLARE,
	T_ASSIGN,
	T_CHAR,
	T_KEYWORD, /* the types below are keywords, printed <like this> */
	T_DOT,
	T_BLOCK,
	T_BREAK,
	T_CONTINUE,
	T_DEFINE,
	T_ELSE,
	T_END,
	T_IF,
	T_NIL,
	T_RANGE,
	T_TEMPLATE,
	T_WITH,
};

struct token {
	enum tok type;
	size_t pos;
	int line;
	const char *val;   /* into the source, or the message of a T_ERROR */
	size_t len;
};

struct lexer {
	const char *src;
	size_t n, pos, start;
	int paren;
	struct token *toks;
	size_t ntoks, cap;
	char **msgs;       /* error messages owned by the lexer */
	size_t nmsgs;
	size_t line_pos;   /* line counting cache */
	int line_at_pos;
};

static const char LEFT_DELIM[] = "{{", RIGHT_DELIM[] = "}}";

static bool is_space_byte(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int line_of(struct lexer *l, size_t pos)
{
	if (pos < l->line_pos) {
		l->line_pos = 0;
		l->line_at_pos = 1;
	}
	for (; l->line_pos < pos && l->line_pos < l->n; l->line_pos++)
		if (l->src[l->line_pos] == '\n')
			l->line_at_pos++;
	return l->line_at_pos;
}

static void push_token(struct lexer *l, enum tok type, size_t pos, const char *val, size_t len)
{
	if (l->ntoks == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->toks = xrealloc(l->toks, l->cap * sizeof(*l->toks));
	}
	l->toks[l->ntoks++] = (struct token){type, pos, line_of(l, pos), val, len};
}

static void emit(struct lexer *l, enum tok type)
{
	push_token(l, type, l->start, l->src + l->start, l->pos - l->start);
	l->start = l->pos;
}

__attribute__((format(printf, 2, 3))) static void lex_error(struct lexer *l, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = xstrdup("out of memory");
	va_end(ap);
	l->msgs = xrealloc(l->msgs, (l->nmsgs + 1) * sizeof(*l->msgs));
	l->msgs[l->nmsgs++] = msg;
	push_token(l, T_ERROR, l->start, msg, strlen(msg));
}

/* The rune at pos (U+FFFD for a malformed byte), its size in *size; -1 at the end. */
static long peek_rune(struct lexer *l, size_t pos, size_t *size)
{
	uint32_t r;
	if (pos >= l->n) {
		*size = 0;
		return -1;
	}
	*size = utf8_decode((const unsigned char *)l->src + pos, l->n - pos, &r);
	return (long)r;
}

static bool is_alnum_rune(long r)
{
	return r == '_' || (r >= 0 && (u_isletter((uint32_t)r) || u_isdigit((uint32_t)r)));
}

static bool has_left_trim_marker(const char *s, size_t n)
{
	return n >= 2 && s[0] == '-' && is_space_byte(s[1]);
}

static bool has_right_trim_marker(const char *s, size_t n)
{
	return n >= 2 && is_space_byte(s[0]) && s[1] == '-';
}

static bool has_prefix_n(const char *s, size_t n, const char *prefix)
{
	size_t pl = strlen(prefix);
	return n >= pl && memcmp(s, prefix, pl) == 0;
}

/* At "}}" or " -}}"? */
static bool at_right_delim(struct lexer *l, bool *trim)
{
	const char *s = l->src + l->pos;
	size_t n = l->n - l->pos;
	*trim = false;
	if (has_right_trim_marker(s, n) && has_prefix_n(s + 2, n - 2, RIGHT_DELIM)) {
		*trim = true;
		return true;
	}
	return has_prefix_n(s, n, RIGHT_DELIM);
}

static bool at_terminator(struct lexer *l)
{
	if (l->pos >= l->n)
		return true;
	char c = l->src[l->pos];
	if (is_space_byte(c))
		return true;
	switch (c) {
	case '.': case ',': case '|': case ':': case ')': case '(':
		return true;
	}
	return has_prefix_n(l->src + l->pos, l->n - l->pos, RIGHT_DELIM);
}

static void bad_char(struct lexer *l, size_t pos)
{
	size_t sz;
	long r = peek_rune(l, pos, &sz);
	if (r < 0)
		lex_error(l, "bad character U+FFFD");
	else if (u_isprint((uint32_t)r)) {
		char tmp[4];
		size_t k = utf8_encode((uint32_t)r, tmp);
		lex_error(l, "bad character U+%04lX '%.*s'", r, (int)k, tmp);
	} else {
		lex_error(l, "bad character U+%04lX", r);
	}
}

/* scanNumber: a permissive scan; strconv decides later. */
static bool scan_number(struct lexer *l)
{
	const char *digits = "0123456789_";
	size_t sz;

	if (l->pos < l->n && (l->src[l->pos] == '+' || l->src[l->pos] == '-'))
		l->pos++;
	if (l->pos < l->n && l->src[l->pos] == '0') {
		l->pos++;
		if (l->pos < l->n && strchr("xX", l->src[l->pos]) && l->src[l->pos]) {
			l->pos++;
			digits = "0123456789abcdefABCDEF_";
		} else if (l->pos < l->n && strchr("oO", l->src[l->pos]) && l->src[l->pos]) {
			l->pos++;
			digits = "01234567_";
		} else if (l->pos < l->n && strchr("bB", l->src[l->pos]) && l->src[l->pos]) {
			l->pos++;
			digits = "01_";
		}
	}
#define ACCEPT_RUN(set)                                                                      \
	while (l->pos < l->n && l->src[l->pos] && strchr((set), l->src[l->pos]))            \
		l->pos++
	ACCEPT_RUN(digits);
	if (l->pos < l->n && l->src[l->pos] == '.') {
		l->pos++;
		ACCEPT_RUN(digits);
	}
	if (strlen(digits) == 11 && l->pos < l->n && (l->src[l->pos] == 'e' || l->src[l->pos] == 'E')) {
		l->pos++;
		if (l->pos < l->n && (l->src[l->pos] == '+' || l->src[l->pos] == '-'))
			l->pos++;
		ACCEPT_RUN("0123456789_");
	}
	if (strlen(digits) == 23 && l->pos < l->n && (l->src[l->pos] == 'p' || l->src[l->pos] == 'P')) {
		l->pos++;
		if (l->pos < l->n && (l->src[l->pos] == '+' || l->src[l->pos] == '-'))
			l->pos++;
		ACCEPT_RUN("0123456789_");
	}
#undef ACCEPT_RUN
	if (l->pos < l->n && l->src[l->pos] == 'i')
		l->pos++;
	if (is_alnum_rune(peek_rune(l, l->pos, &sz))) {
		l->pos += sz;
		return false;
	}
	return true;
}

/* Returns false when lexing must stop (an error was emitted). */
static bool lex_number(struct lexer *l)
{
	if (!scan_number(l)) {
		lex_error(l, "bad number syntax: \"%.*s\"", (int)(l->pos - l->start), l->src + l->start);
		return false;
	}
	if (l->pos < l->n && (l->src[l->pos] == '+' || l->src[l->pos] == '-')) {
		if (!scan_number(l) || l->src[l->pos - 1] != 'i') {
			lex_error(l, "bad number syntax: \"%.*s\"", (int)(l->pos - l->start), l->src + l->start);
			return false;
		}
		emit(l, T_COMPLEX);
		return true;
	}
	emit(l, T_NUMBER);
	return true;
}

static bool lex_field_or_variable(struct lexer *l, enum tok type)
{
	size_t sz;
	if (at_terminator(l)) {
		emit(l, type == T_VAR ? T_VAR : T_DOT);
		return true;
	}
	while (is_alnum_rune(peek_rune(l, l->pos, &sz)))
		l->pos += sz;
	if (!at_terminator(l)) {
		bad_char(l, l->pos);
		return false;
	}
	emit(l, type);
	return true;
}

static bool lex_identifier(struct lexer *l)
{
	static const struct {
		const char *word;
		enum tok type;
	} keys[] = {
		{"block", T_BLOCK}, {"break", T_BREAK}, {"continue", T_CONTINUE}, {"define", T_DEFINE},
		{"else", T_ELSE}, {"end", T_END}, {"if", T_IF}, {"range", T_RANGE}, {"nil", T_NIL},
		{"template", T_TEMPLATE}, {"with", T_WITH},
	};
	size_t sz;

	while (is_alnum_rune(peek_rune(l, l->pos, &sz)))
		l->pos += sz;
	if (!at_terminator(l)) {
		bad_char(l, l->pos);
		return false;
	}
	const char *w = l->src + l->start;
	size_t wl = l->pos - l->start;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strlen(keys[i].word) == wl && memcmp(keys[i].word, w, wl) == 0) {
			emit(l, keys[i].type);
			return true;
		}
	}
	if ((wl == 4 && memcmp(w, "true", 4) == 0) || (wl == 5 && memcmp(w, "false", 5) == 0))
		emit(l, T_BOOL);
	else
		emit(l, T_IDENT);
	return true;
}

/* A quoted string or a character constant, after its opening quote: up
 * to the closing one, stepping over backslash escapes.  A newline or the
 * end of the text first is the error `unterminated`. */
static bool lex_quoted(struct lexer *l, char quote, const char *unterminated)
{
	for (;;) {
		if (l->pos >= l->n || l->src[l->pos] == '\n') {
			lex_error(l, "%s", unterminated);
			return false;
		}
		char c = l->src[l->pos++];
		if (c == '\\') {
			if (l->pos >= l->n || l->src[l->pos] == '\n') {
				lex_error(l, "%s", unterminated);
				return false;
			}
			l->pos++;
		} else if (c == quote) {
			return true;
		}
	}
}

/* Inside {{ }}: returns false at the end of the action's tokens (after
 * "}}") or on an error; *stop is set on an error. */
static bool lex_inside_action(struct lexer *l, bool *stop)
{
	bool trim;
	size_t sz;

	*stop = false;
	if (at_right_delim(l, &trim)) {
		if (l->paren != 0) {
			lex_error(l, "unclosed left paren");
			*stop = true;
			return false;
		}
		if (trim) {
			l->pos += 2;
			l->start = l->pos;
		}
		l->pos += 2;
		emit(l, T_RDELIM);
		if (trim) {
			while (l->pos < l->n && is_space_byte(l->src[l->pos]))
				l->pos++;
			l->start = l->pos;
		}
		return false;
	}
	if (l->pos >= l->n) {
		lex_error(l, "unclosed action");
		*stop = true;
		return false;
	}
	char c = l->src[l->pos];
	if (is_space_byte(c)) {
		size_t spaces = 0;
		while (l->pos < l->n && is_space_byte(l->src[l->pos]))
			l->pos++, spaces++;
		/* " -}}": the space belongs to the trim marker. */
		if (has_right_trim_marker(l->src + l->pos - 1, l->n - l->pos + 1) &&
		    has_prefix_n(l->src + l->pos + 1, l->n - l->pos - 1, RIGHT_DELIM)) {
			l->pos--;
			if (spaces == 1) {
				l->start = l->pos;
				return true;
			}
		}
		emit(l, T_SPACE);
		return true;
	}
	l->pos++;
	switch (c) {
	case '=':
		emit(l, T_ASSIGN);
		return true;
	case ':':
		if (l->pos >= l->n || l->src[l->pos] != '=') {
			lex_error(l, "expected :=");
			*stop = true;
			return false;
		}
		l->pos++;
		emit(l, T_DECLARE);
		return true;
	case '|':
		emit(l, T_PIPE);
		return true;
	case '"':
		if (!lex_quoted(l, '"', "unterminated quoted string")) {
			*stop = true;
			return false;
		}
		emit(l, T_STRING);
		return true;
	case '`': {
		const char *e = memchr(l->src + l->pos, '`', l->n - l->pos);
		if (!e) {
			lex_error(l, "unterminated raw quoted string");
			*stop = true;
			return false;
		}
		l->pos = (size_t)(e - l->src) + 1;
		emit(l, T_RAWSTRING);
		return true;
	}
	case '$':
		if (!lex_field_or_variable(l, T_VAR)) {
			*stop = true;
			return false;
		}
		return true;
	case '\'':
		if (!lex_quoted(l, '\'', "unterminated character constant")) {
			*stop = true;
			return false;
		}
		emit(l, T_CHARCONST);
		return true;
	case '.':
		if (l->pos >= l->n || l->src[l->pos] < '0' || l->src[l->pos] > '9') {
			if (!lex_field_or_variable(l, T_FIELD)) {
				*stop = true;
				return false;
			}
			return true;
		}
		/* fallthrough: '.' starts a number */
		/* FALLTHROUGH */
	case '+':
	case '-':
	case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		l->pos--;
		if (!lex_number(l)) {
			*stop = true;
			return false;
		}
		return true;
	case '(':
		l->paren++;
		emit(l, T_LPAREN);
		return true;
	case ')':
		l->paren--;
		if (l->paren < 0) {
			lex_error(l, "unexpected right paren");
			*stop = true;
			return false;
		}
		emit(l, T_RPAREN);
		return true;
	}
	l->pos--;
	long r = peek_rune(l, l->pos, &sz);
	if (is_alnum_rune(r)) {
		if (!lex_identifier(l)) {
			*stop = true;
			return false;
		}
		return true;
	}
	if (r >= 0 && r < 0x80 && u_isprint((uint32_t)r)) {
		l->pos++;
		emit(l, T_CHAR);
		return true;
	}
	if (r >= 0 && u_isprint((uint32_t)r)) {
		char tmp[4];
		size_t k = utf8_encode((uint32_t)r, tmp);
		lex_error(l, "unrecognized character in action: U+%04lX '%.*s'", r, (int)k, tmp);
	} else {
		lex_error(l, "unrecognized character in action: U+%04lX", r < 0 ? 0xFFFD : r);
	}
	*stop = true;
	return false;
}

static void lex_all(struct lexer *l)
{
	for (;;) {
		/* Text up to the next "{{". */
		const char *x = memmem(l->src + l->pos, l->n - l->pos, LEFT_DELIM, 2);
		if (x == NULL) {
			l->pos = l->n;
			if (l->pos > l->start)
				emit(l, T_TEXT);
			emit(l, T_EOF);
			return;
		}
		size_t at = (size_t)(x - l->src);
		if (at > l->pos) {
			size_t end = at;
			if (has_left_trim_marker(x + 2, l->n - at - 2))
				while (end > l->start && is_space_byte(l->src[end - 1]))
					end--;
			if (end > l->start)
				push_token(l, T_TEXT, l->start, l->src + l->start, end - l->start);
		}
		l->pos = l->start = at;

		/* The left delimiter, perhaps "{{- ", perhaps a comment. */
		l->pos += 2;
		bool trim = has_left_trim_marker(l->src + l->pos, l->n - l->pos);
		size_t after = trim ? 2 : 0;
		if (has_prefix_n(l->src + l->pos + after, l->n - l->pos - after, "/*")) {
			l->pos += after;
			l->start = l->pos;
			l->pos += 2;
			const char *e = memmem(l->src + l->pos, l->n - l->pos, "*/", 2);
			if (e == NULL) {
				lex_error(l, "unclosed comment");
				return;
			}
			l->pos = (size_t)(e - l->src) + 2;
			bool rtrim;
			if (!at_right_delim(l, &rtrim)) {
				lex_error(l, "comment ends before closing delimiter");
				return;
			}
			if (rtrim)
				l->pos += 2;
			l->pos += 2;
			if (rtrim)
				while (l->pos < l->n && is_space_byte(l->src[l->pos]))
					l->pos++;
			l->start = l->pos;
			continue;
		}
		emit(l, T_LDELIM);
		l->pos += after;
		l->start = l->pos;
		l->paren = 0;

		bool stop = false;
		while (lex_inside_action(l, &stop))
			;
		if (stop)
			return;
	}
}

/* ------------------------------------------------------------------ */
/* Parse tree (text/template/parse/node.go)                            */
/* ------------------------------------------------------------------ */

enum ntype {
	N_LIST, N_TEXT, N_ACTION, N_IF, N_WITH, N_RANGE, N_BREAK, N_CONTINUE, N_END, N_ELSE,
	N_PIPE, N_CMD, N_FIELD, N_CHAIN, N_VAR, N_IDENT, N_DOT, N_NIL, N_BOOL, N_NUMBER, N_STRING,
};

enum ptype { P_ANY, P_VALUE, P_STRING, P_INT, P_STRLIST };

struct exec;
typedef json_t *(*builtin_fn)(struct exec *ex, json_t **argv, size_t argc);

struct builtin {
	const char *name;
	size_t nfixed;          /* fixed parameters */
	bool variadic;
	enum ptype fixed[3];
	enum ptype rest;        /* type of the variadic ones */
	builtin_fn fn;
	bool header_passthru;   /* docker's HeaderFunctions: the column name goes through */
};

struct node {
	enum ntype type;
	size_t pos;
	int line;
	struct node **kids;     /* N_LIST items, N_PIPE commands, N_CMD arguments */
	size_t nkids, capkids;
	char **idents;          /* N_FIELD names, N_VAR "$x" then names, N_CHAIN names */
	size_t nidents;
	char **decl;            /* N_PIPE: declared or assigned variables */
	size_t ndecl;
	bool is_assign;
	struct node *pipe, *list, *elselist; /* N_ACTION, N_IF, N_WITH, N_RANGE */
	struct node *sub;       /* N_CHAIN: the term the fields apply to */
	char *text;             /* N_TEXT, N_IDENT name, N_NUMBER/N_STRING source text */
	size_t textlen;
	json_t *lit;            /* N_BOOL, N_STRING, N_NUMBER: the constant (NULL: overflows int) */
	json_t *lit_int;        /* N_NUMBER usable as an int argument */
	const struct builtin *fn;
};

struct tmpl {
	char *name;
	char *src;
	size_t srclen;
	struct node *root;
	struct node **nodes;    /* every node, to free them without recursion */
	size_t nnodes, capnodes;
	bool table;
	bool missingkey_error;
	bool json_escape_html;   /* --format json on a list: rows go through json.Marshal */
	tmpl_zero_fn zero_fn;    /* typed zero values for nil fields (inspect) */
	const char *row_type;    /* tmpl_set_row_type: the Go type a list row stands for */
	const char *const *row_fields;
	unsigned long max_steps; /* 0: no bound */
	size_t max_bytes;
};

static const struct builtin *find_builtin(const char *name, size_t len);

static void node_str(struct sbuf *b, const struct node *n);

static void list_str(struct sbuf *b, const struct node *l)
{
	for (size_t i = 0; l && i < l->nkids; i++)
		node_str(b, l->kids[i]);
}

/* Each node's String(), used in messages as Go uses it. */
static void node_str(struct sbuf *b, const struct node *n)
{
	if (n == NULL)
		return;
	switch (n->type) {
	case N_LIST:
		list_str(b, n);
		break;
	case N_TEXT:
		go_quote(b, n->text, n->textlen, false);
		break;
	case N_ACTION:
		sb_adds(b, "{{");
		node_str(b, n->pipe);
		sb_adds(b, "}}");
		break;
	case N_IF:
	case N_WITH:
	case N_RANGE:
		sb_adds(b, n->type == N_IF ? "{{if " : n->type == N_WITH ? "{{with " : "{{range ");
		node_str(b, n->pipe);
		sb_adds(b, "}}");
		list_str(b, n->list);
		if (n->elselist) {
			sb_adds(b, "{{else}}");
			list_str(b, n->elselist);
		}
		sb_adds(b, "{{end}}");
		break;
	case N_BREAK: sb_adds(b, "{{break}}"); break;
	case N_CONTINUE: sb_adds(b, "{{continue}}"); break;
	case N_END: sb_adds(b, "{{end}}"); break;
	case N_ELSE: sb_adds(b, "{{else}}"); break;
	case N_PIPE:
		for (size_t i = 0; i < n->ndecl; i++) {
			if (i)
				sb_adds(b, ", ");
			sb_adds(b, n->decl[i]);
		}
		if (n->ndecl)
			sb_adds(b, n->is_assign ? " = " : " := ");
		for (size_t i = 0; i < n->nkids; i++) {
			if (i)
				sb_adds(b, " | ");
			node_str(b, n->kids[i]);
		}
		break;
	case N_CMD:
		for (size_t i = 0; i < n->nkids; i++) {
			if (i)
				sb_addc(b, ' ');
			if (n->kids[i]->type == N_PIPE) {
				sb_addc(b, '(');
				node_str(b, n->kids[i]);
				sb_addc(b, ')');
			} else {
				node_str(b, n->kids[i]);
			}
		}
		break;
	case N_FIELD:
		for (size_t i = 0; i < n->nidents; i++) {
			sb_addc(b, '.');
			sb_adds(b, n->idents[i]);
		}
		break;
	case N_VAR:
		for (size_t i = 0; i < n->nidents; i++) {
			if (i)
				sb_addc(b, '.');
			sb_adds(b, n->idents[i]);
		}
		break;
	case N_CHAIN:
		if (n->sub->type == N_PIPE) {
			sb_addc(b, '(');
			node_str(b, n->sub);
			sb_addc(b, ')');
		} else {
			node_str(b, n->sub);
		}
		for (size_t i = 0; i < n->nidents; i++) {
			sb_addc(b, '.');
			sb_adds(b, n->idents[i]);
		}
		break;
	case N_IDENT:
	case N_NUMBER:
	case N_STRING:
		sb_add(b, n->text, n->textlen);
		break;
	case N_DOT: sb_addc(b, '.'); break;
	case N_NIL: sb_adds(b, "nil"); break;
	case N_BOOL: sb_adds(b, json_is_true(n->lit) ? "true" : "false"); break;
	}
}

static void node_free(struct node *n)
{
	free(n->kids);
	for (size_t i = 0; i < n->nidents; i++)
		free(n->idents[i]);
	free(n->idents);
	for (size_t i = 0; i < n->ndecl; i++)
		free(n->decl[i]);
	free(n->decl);
	free(n->text);
	json_decref(n->lit);
	json_decref(n->lit_int);
	free(n);
}

void tmpl_free(struct tmpl *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->nnodes; i++)
		node_free(t->nodes[i]);
	free(t->nodes);
	free(t->name);
	free(t->src);
	free(t);
}

/* ------------------------------------------------------------------ */
/* Parser (text/template/parse/parse.go)                               */
/* ------------------------------------------------------------------ */

/* Go limits nesting to 10000; parentheses and control structures nest
 * through recursion here, so the bound is lower and keeps the C stack
 * small. */
#define MAX_PARSE_DEPTH 1000

struct parser {
	struct tmpl *t;
	struct token *toks;
	size_t ntoks, i, furthest;
	char **vars;
	size_t nvars, capvars;
	int range_depth;
	int action_line;
	int depth;
	jmp_buf jb;
	char *err;
	struct sbuf scratch;    /* message parts; freed with the parser */
	struct sbuf scratch2;
};

__attribute__((format(printf, 2, 3), noreturn)) static void parse_errorf(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	struct sbuf b = {0};
	char *msg = NULL;
	size_t last = p->furthest ? p->furthest - 1 : 0;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	sb_addf(&b, "template: %s:%d: %s", p->t->name, p->toks[last].line, msg ? msg : "out of memory");
	free(msg);
	p->err = sb_steal(&b);
	longjmp(p->jb, 1);
}

static struct token *next_tok(struct parser *p)
{
	struct token *t = &p->toks[p->i < p->ntoks ? p->i : p->ntoks - 1];
	if (p->i < p->ntoks)
		p->i++;
	if (p->i > p->furthest)
		p->furthest = p->i;
	return t;
}

static void backup(struct parser *p)
{
	p->i--;
}

static struct token *peek_tok(struct parser *p)
{
	struct token *t = next_tok(p);
	backup(p);
	return t;
}

static struct token *next_non_space(struct parser *p)
{
	struct token *t;
	do
		t = next_tok(p);
	while (t->type == T_SPACE);
	return t;
}

static struct token *peek_non_space(struct parser *p)
{
	struct token *t = next_non_space(p);
	backup(p);
	return t;
}

/* item.String() */
static void token_str(struct sbuf *b, const struct token *t)
{
	if (t->type == T_EOF) {
		sb_adds(b, "EOF");
	} else if (t->type == T_ERROR) {
		sb_add(b, t->val, t->len);
	} else if (t->type > T_KEYWORD) {
		sb_addc(b, '<');
		sb_add(b, t->val, t->len);
		sb_addc(b, '>');
	} else if (rune_count(t->val, t->len) > 10) {
		/* %.10q: the first ten runes, quoted */
		size_t i = 0;
		for (int k = 0; k < 10; k++) {
			uint32_t r;
			i += utf8_decode((const unsigned char *)t->val + i, t->len - i, &r);
		}
		go_quote(b, t->val, i, false);
		sb_adds(b, "...");
	} else {
		go_quote(b, t->val, t->len, false);
	}
}

__attribute__((noreturn)) static void unexpected(struct parser *p, const struct token *t, const char *context)
{
	struct sbuf *b = &p->scratch;
	b->n = 0;
	if (t->type == T_ERROR) {
		sb_add(b, t->val, t->len);
		if (p->action_line != 0 && p->action_line != t->line) {
			bool ends_action = t->len >= 7 && memcmp(t->val + t->len - 7, " action", 7) == 0;
			sb_addf(b, "%s started at %s:%d", ends_action ? "" : " in action", p->t->name, p->action_line);
		}
		parse_errorf(p, "%s", b->p);
	}
	token_str(b, t);
	parse_errorf(p, "unexpected %s in %s", b->p, context);
}

static struct token *expect(struct parser *p, enum tok type, const char *context)
{
	struct token *t = next_non_space(p);
	if (t->type != type)
		unexpected(p, t, context);
	return t;
}

static struct node *new_node(struct parser *p, enum ntype type, size_t pos, int line)
{
	struct tmpl *t = p->t;
	struct node *n = xcalloc(1, sizeof(*n));
	n->type = type;
	n->pos = pos;
	n->line = line;
	if (t->nnodes == t->capnodes) {
		t->capnodes = t->capnodes ? t->capnodes * 2 : 32;
		t->nodes = xrealloc(t->nodes, t->capnodes * sizeof(*t->nodes));
	}
	t->nodes[t->nnodes++] = n;
	return n;
}

static void add_kid(struct node *n, struct node *kid)
{
	if (n->nkids == n->capkids) {
		n->capkids = n->capkids ? n->capkids * 2 : 4;
		n->kids = xrealloc(n->kids, n->capkids * sizeof(*n->kids));
	}
	n->kids[n->nkids++] = kid;
}

static void add_ident(struct node *n, const char *s, size_t len)
{
	n->idents = xrealloc(n->idents, (n->nidents + 1) * sizeof(*n->idents));
	n->idents[n->nidents++] = xstrndup(s, len);
}

static void push_var(struct parser *p, const char *name, size_t len)
{
	if (p->nvars == p->capvars) {
		p->capvars = p->capvars ? p->capvars * 2 : 8;
		p->vars = xrealloc(p->vars, p->capvars * sizeof(*p->vars));
	}
	p->vars[p->nvars++] = xstrndup(name, len);
}

static void pop_vars(struct parser *p, size_t n)
{
	while (p->nvars > n)
		free(p->vars[--p->nvars]);
}

static void enter(struct parser *p)
{
	if (++p->depth > MAX_PARSE_DEPTH)
		parse_errorf(p, "max depth exceeded");
}

/* strconv's underscoreOK: underscores only between digits. */
static bool underscore_ok(const char *s, size_t n)
{
	char saw = '^';
	size_t i = 0;
	bool hex = false;

	if (n >= 1 && (s[0] == '-' || s[0] == '+'))
		s++, n--;
	if (n >= 2 && s[0] == '0' && strchr("bBoOxX", s[1]) && s[1]) {
		i = 2;
		saw = '0';
		hex = s[1] == 'x' || s[1] == 'X';
	}
	for (; i < n; i++) {
		char c = s[i];
		if ((c >= '0' && c <= '9') || (hex && isxdigit((unsigned char)c))) {
			saw = '0';
			continue;
		}
		if (c == '_') {
			if (saw != '0')
				return false;
			saw = '_';
			continue;
		}
		if (saw == '_')
			return false;
		saw = '!';
	}
	return saw != '_';
}

/* strconv.ParseInt/ParseUint with base 0. */
static bool parse_go_int(const char *text, bool allow_sign, long long *out_i, unsigned long long *out_u,
			 bool *is_int, bool *is_uint)
{
	char clean[128];
	size_t n = 0;
	const char *s = text;
	bool neg = false;
	int base = 10;

	*is_int = *is_uint = false;
	if (strlen(text) >= sizeof(clean) || !underscore_ok(text, strlen(text)))
		return false;
	if (*s == '+' || *s == '-') {
		if (!allow_sign)
			return false;
		neg = *s == '-';
		s++;
	}
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16, s += 2;
	else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
		base = 8, s += 2;
	else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
		base = 2, s += 2;
	else if (s[0] == '0' && s[1])
		base = 8, s += 1;
	for (; *s; s++) {
		if (*s == '_')
			continue;
		int d = isdigit((unsigned char)*s) ? *s - '0'
			: isxdigit((unsigned char)*s) ? tolower((unsigned char)*s) - 'a' + 10 : 99;
		if (d >= base)
			return false;
		clean[n++] = *s;
	}
	if (n == 0)
		return false;
	clean[n] = '\0';
	errno = 0;
	unsigned long long u = strtoull(clean, NULL, base);
	if (errno == ERANGE)
		return false;
	if (!neg) {
		*out_u = u;
		*is_uint = true;
		if (u <= (unsigned long long)LLONG_MAX) {
			*out_i = (long long)u;
			*is_int = true;
		}
	} else {
		if (u <= (unsigned long long)LLONG_MAX + 1ULL) {
			*out_i = u == (unsigned long long)LLONG_MAX + 1ULL ? LLONG_MIN : -(long long)u;
			*is_int = true;
		}
		if (u == 0) {
			*is_uint = true;
			*out_u = 0;
		}
	}
	return *is_int || *is_uint;
}

/* strconv.UnquoteChar for one escape or rune; returns bytes consumed, 0 on error.
 * *multibyte tells whether r is a rune (to encode) or a byte. */
static size_t unquote_char(const char *s, size_t n, char quote, uint32_t *r, bool *multibyte)
{
	unsigned char c = (unsigned char)s[0];

	*multibyte = false;
	if (c == (unsigned char)quote && (quote == '\'' || quote == '"'))
		return 0;
	if (c >= 0x80) {
		size_t sz = utf8_decode((const unsigned char *)s, n, r);
		*multibyte = true;
		return sz;
	}
	if (c != '\\') {
		*r = c;
		return 1;
	}
	if (n <= 1)
		return 0;
	c = (unsigned char)s[1];
	switch (c) {
	case 'a': *r = '\a'; return 2;
	case 'b': *r = '\b'; return 2;
	case 'f': *r = '\f'; return 2;
	case 'n': *r = '\n'; return 2;
	case 'r': *r = '\r'; return 2;
	case 't': *r = '\t'; return 2;
	case 'v': *r = '\v'; return 2;
	case 'x':
	case 'u':
	case 'U': {
		size_t len = c == 'x' ? 2 : c == 'u' ? 4 : 8;
		uint32_t v = 0;
		if (n < 2 + len)
			return 0;
		for (size_t j = 0; j < len; j++) {
			char h = s[2 + j];
			if (!isxdigit((unsigned char)h))
				return 0;
			v = v * 16 + (uint32_t)(isdigit((unsigned char)h) ? h - '0' : tolower((unsigned char)h) - 'a' + 10);
		}
		if (c == 'x') {
			*r = v;
			return 4;
		}
		if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
			return 0;
		*r = v;
		*multibyte = true;
		return 2 + len;
	}
	case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
		uint32_t v = 0;
		if (n < 4)
			return 0;
		for (size_t j = 1; j <= 3; j++) {
			char o = s[j];
			if (o < '0' || o > '7')
				return 0;
			v = v * 8 + (uint32_t)(o - '0');
		}
		if (v > 255)
			return 0;
		*r = v;
		return 4;
	}
	case '\\':
		*r = '\\';
		return 2;
	case '\'':
	case '"':
		if (c != (unsigned char)quote)
			return 0;
		*r = c;
		return 2;
	}
	return 0;
}

/* strconv.Unquote of a "..." or `...` literal into out; false: invalid syntax. */
static bool go_unquote(const char *s, size_t n, struct sbuf *out)
{
	if (n < 2 || s[0] != s[n - 1])
		return false;
	if (s[0] == '`') {
		for (size_t i = 1; i + 1 < n; i++)
			if (s[i] != '\r')
				sb_addc(out, s[i]);
		if (out->p == NULL)
			sb_add(out, "", 0);
		return true;
	}
	if (s[0] != '"')
		return false;
	sb_add(out, "", 0);
	size_t i = 1;
	while (i < n - 1) {
		uint32_t r;
		bool mb;
		if (s[i] == '\n')
			return false;
		size_t k = unquote_char(s + i, n - 1 - i, '"', &r, &mb);
		if (k == 0)
			return false;
		if (mb)
			sb_addrune(out, r);
		else
			sb_addc(out, (char)r);
		i += k;
	}
	return true;
}

static struct node *parse_pipeline(struct parser *p, const char *context, enum tok end);

static struct node *new_number(struct parser *p, struct token *tok)
{
	struct node *n = new_node(p, N_NUMBER, tok->pos, tok->line);
	n->text = xstrndup(tok->val, tok->len);
	n->textlen = tok->len;
	const char *text = n->text;

	if (tok->type == T_COMPLEX || (tok->len > 0 && text[tok->len - 1] == 'i'))
		parse_errorf(p, "complex numbers are not supported: %s", text);
	if (tok->type == T_CHARCONST) {
		uint32_t r;
		bool mb;
		size_t k = unquote_char(text + 1, tok->len - 1, '\'', &r, &mb);
		if (k == 0)
			parse_errorf(p, "invalid syntax");
		if (k + 1 != tok->len - 1 || text[tok->len - 1] != '\'')
			parse_errorf(p, "malformed character constant: %s", text);
		n->lit = json_integer(r);
		n->lit_int = json_integer(r);
		return n;
	}
	long long iv = 0;
	unsigned long long uv = 0;
	bool is_int = false, is_uint = false;
	parse_go_int(text, true, &iv, &uv, &is_int, &is_uint);
	bool hexint = tok->len > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X') && !strpbrk(text, "pP");
	bool floaty = strpbrk(text, ".eEpP") != NULL && !hexint;
	if (is_int) {
		n->lit_int = json_integer(iv);
		n->lit = floaty ? json_real((double)iv) : json_integer(iv);
		return n;
	}
	if (is_uint) {
		/* fits only unsigned: an int literal that overflows int */
		if (floaty)
			n->lit = json_real((double)uv);
		return n;
	}
	/* A float. */
	char clean[256];
	size_t k = 0;
	if (tok->len >= sizeof(clean) || !underscore_ok(text, tok->len))
		parse_errorf(p, "illegal number syntax: \"%s\"", text);
	for (size_t j = 0; j < tok->len; j++)
		if (text[j] != '_')
			clean[k++] = text[j];
	clean[k] = '\0';
	char *endp;
	errno = 0;
	double f = strtod(clean, &endp);
	/* Go wants a p exponent on a hexadecimal float, and only there. */
	bool hexfloat = strchr(clean, 'x') || strchr(clean, 'X');
	if (*endp != '\0' || k == 0 || (errno == ERANGE && isinf(f)) || (hexfloat && !strpbrk(clean, "pP")) ||
	    (!hexfloat && strpbrk(clean, "pP")))
		parse_errorf(p, "illegal number syntax: \"%s\"", text);
	if (!strpbrk(text, ".eEpP"))
		parse_errorf(p, "integer overflow: \"%s\"", text);
	n->lit = json_real(f);
	/* a float literal with an integral value can be an int argument */
	if (fabs(f) < 9.2e18 && f == (double)(long long)f)
		n->lit_int = json_integer((long long)f);
	return n;
}

/* term: literal, function, variable, field, parenthesized pipeline; NULL if none. */
static struct node *parse_term(struct parser *p)
{
	struct token *tok = next_non_space(p);
	struct node *n;

	switch (tok->type) {
	case T_IDENT: {
		const struct builtin *fn = find_builtin(tok->val, tok->len);
		if (fn == NULL) {
			if ((tok->len == 4 && memcmp(tok->val, "call", 4) == 0))
				parse_errorf(p, "function \"call\" is not supported in --format");
			parse_errorf(p, "function \"%.*s\" not defined", (int)tok->len, tok->val);
		}
		n = new_node(p, N_IDENT, tok->pos, tok->line);
		n->text = xstrndup(tok->val, tok->len);
		n->textlen = tok->len;
		n->fn = fn;
		return n;
	}
	case T_DOT:
		return new_node(p, N_DOT, tok->pos, tok->line);
	case T_NIL:
		return new_node(p, N_NIL, tok->pos, tok->line);
	case T_VAR: {
		bool found = false;
		for (size_t i = p->nvars; i-- > 0;)
			if (strlen(p->vars[i]) == tok->len && memcmp(p->vars[i], tok->val, tok->len) == 0) {
				found = true;
				break;
			}
		if (!found)
			parse_errorf(p, "undefined variable \"%.*s\"", (int)tok->len, tok->val);
		n = new_node(p, N_VAR, tok->pos, tok->line);
		add_ident(n, tok->val, tok->len);
		return n;
	}
	case T_FIELD:
		n = new_node(p, N_FIELD, tok->pos, tok->line);
		add_ident(n, tok->val + 1, tok->len - 1);
		return n;
	case T_BOOL:
		n = new_node(p, N_BOOL, tok->pos, tok->line);
		n->lit = json_boolean(tok->len == 4);
		return n;
	case T_CHARCONST:
	case T_COMPLEX:
	case T_NUMBER:
		return new_number(p, tok);
	case T_LPAREN:
		return parse_pipeline(p, "parenthesized pipeline", T_RPAREN);
	case T_STRING:
	case T_RAWSTRING: {
		struct sbuf s = {0};
		if (!go_unquote(tok->val, tok->len, &s)) {
			free(s.p);
			parse_errorf(p, "invalid syntax");
		}
		n = new_node(p, N_STRING, tok->pos, tok->line);
		n->text = xstrndup(tok->val, tok->len);
		n->textlen = tok->len;
		n->lit = json_stringn_nocheck(s.p, s.n);
		free(s.p);
		return n;
	}
	default:
		backup(p);
		return NULL;
	}
}

static struct node *parse_operand(struct parser *p)
{
	struct node *term = parse_term(p);
	if (term == NULL)
		return NULL;
	if (peek_tok(p)->type != T_FIELD)
		return term;
	struct token *first = peek_tok(p);
	struct node *chain = new_node(p, N_CHAIN, first->pos, first->line);
	chain->sub = term;
	while (peek_tok(p)->type == T_FIELD) {
		struct token *f = next_tok(p);
		add_ident(chain, f->val + 1, f->len - 1);
	}
	switch (term->type) {
	case N_FIELD:
	case N_VAR: {
		/* .A.B and $x.A stay fields and variables, at the chain's position */
		struct node *n = new_node(p, term->type, chain->pos, chain->line);
		for (size_t i = 0; i < term->nidents; i++)
			add_ident(n, term->idents[i], strlen(term->idents[i]));
		for (size_t i = 0; i < chain->nidents; i++)
			add_ident(n, chain->idents[i], strlen(chain->idents[i]));
		return n;
	}
	case N_BOOL:
	case N_STRING:
	case N_NUMBER:
	case N_NIL:
	case N_DOT:
		p->scratch.n = p->scratch2.n = 0;
		node_str(&p->scratch, term);
		go_quote(&p->scratch2, p->scratch.p, p->scratch.n, false);
		parse_errorf(p, "unexpected . after term %s", p->scratch2.p);
	default:
		return chain;
	}
}

static struct node *parse_command(struct parser *p)
{
	struct node *cmd = new_node(p, N_CMD, peek_non_space(p)->pos, peek_non_space(p)->line);
	for (;;) {
		peek_non_space(p);
		struct node *op = parse_operand(p);
		if (op)
			add_kid(cmd, op);
		struct token *t = next_tok(p);
		if (t->type == T_SPACE)
			continue;
		if (t->type == T_RDELIM || t->type == T_RPAREN)
			backup(p);
		else if (t->type != T_PIPE)
			unexpected(p, t, "operand");
		break;
	}
	if (cmd->nkids == 0)
		parse_errorf(p, "empty command");
	return cmd;
}

static struct node *parse_pipeline(struct parser *p, const char *context, enum tok end)
{
	struct token *first = peek_non_space(p);
	struct node *pipe = new_node(p, N_PIPE, first->pos, first->line);

	enter(p);
decls:
	if (peek_non_space(p)->type == T_VAR) {
		struct token *v = next_non_space(p);
		struct token *after = peek_tok(p);
		struct token *nx = peek_non_space(p);
		if (nx->type == T_ASSIGN || nx->type == T_DECLARE) {
			pipe->is_assign = nx->type == T_ASSIGN;
			next_non_space(p);
			pipe->decl = xrealloc(pipe->decl, (pipe->ndecl + 1) * sizeof(*pipe->decl));
			pipe->decl[pipe->ndecl++] = xstrndup(v->val, v->len);
			push_var(p, v->val, v->len);
		} else if (nx->type == T_CHAR && nx->len == 1 && nx->val[0] == ',') {
			next_non_space(p);
			pipe->decl = xrealloc(pipe->decl, (pipe->ndecl + 1) * sizeof(*pipe->decl));
			pipe->decl[pipe->ndecl++] = xstrndup(v->val, v->len);
			push_var(p, v->val, v->len);
			if (strcmp(context, "range") == 0 && pipe->ndecl < 2) {
				enum tok t = peek_non_space(p)->type;
				if (t == T_VAR || t == T_RDELIM || t == T_RPAREN)
					goto decls;
				parse_errorf(p, "range can only initialize variables");
			}
			parse_errorf(p, "too many declarations in %s", context);
		} else if (after->type == T_SPACE) {
			/* "$x foo": the variable is an argument; back up over the space too */
			backup(p);
			backup(p);
		} else {
			backup(p);
		}
	}
	for (;;) {
		struct token *t = next_non_space(p);
		if (t->type == end) {
			if (pipe->nkids == 0)
				parse_errorf(p, "missing value for %s", context);
			for (size_t i = 1; i < pipe->nkids; i++) {
				switch (pipe->kids[i]->kids[0]->type) {
				case N_BOOL: case N_DOT: case N_NIL: case N_NUMBER: case N_STRING:
					parse_errorf(p, "non executable command in pipeline stage %zu", i + 1);
				default:
					break;
				}
			}
			p->depth--;
			return pipe;
		}
		switch (t->type) {
		case T_BOOL: case T_CHARCONST: case T_COMPLEX: case T_DOT: case T_FIELD: case T_IDENT:
		case T_NUMBER: case T_NIL: case T_RAWSTRING: case T_STRING: case T_VAR: case T_LPAREN:
			backup(p);
			add_kid(pipe, parse_command(p));
			break;
		default:
			unexpected(p, t, context);
		}
	}
}

static struct node *parse_text_or_action(struct parser *p);

/* itemList: nodes up to {{end}} or {{else}}, which is returned in *next. */
static struct node *parse_item_list(struct parser *p, struct node **next)
{
	struct node *list = new_node(p, N_LIST, peek_non_space(p)->pos, peek_non_space(p)->line);
	while (peek_non_space(p)->type != T_EOF) {
		struct node *n = parse_text_or_action(p);
		if (n->type == N_END || n->type == N_ELSE) {
			*next = n;
			return list;
		}
		add_kid(list, n);
	}
	parse_errorf(p, "unexpected EOF");
}

static struct node *parse_if(struct parser *p);
static struct node *parse_with(struct parser *p);

static struct node *parse_control(struct parser *p, enum ntype type, const char *context)
{
	size_t vars = p->nvars;
	struct node *next = NULL;
	struct node *ctl;

	enter(p);
	struct node *pipe = parse_pipeline(p, context, T_RDELIM);
	ctl = new_node(p, type, pipe->pos, pipe->line);
	ctl->pipe = pipe;
	if (type == N_RANGE)
		p->range_depth++;
	ctl->list = parse_item_list(p, &next);
	if (type == N_RANGE)
		p->range_depth--;
	if (next->type == N_ELSE) {
		/* {{else if}} and {{else with}} are {{else}}{{if ...}}...{{end}}{{end}} */
		if (type == N_IF && peek_tok(p)->type == T_IF) {
			next_tok(p);
			ctl->elselist = new_node(p, N_LIST, next->pos, next->line);
			add_kid(ctl->elselist, parse_if(p));
		} else if (type == N_WITH && peek_tok(p)->type == T_WITH) {
			next_tok(p);
			ctl->elselist = new_node(p, N_LIST, next->pos, next->line);
			add_kid(ctl->elselist, parse_with(p));
		} else {
			ctl->elselist = parse_item_list(p, &next);
			if (next->type != N_END) {
				p->scratch.n = 0;
				node_str(&p->scratch, next);
				parse_errorf(p, "expected end; found %s", p->scratch.p);
			}
		}
	}
	pop_vars(p, vars);
	p->depth--;
	return ctl;
}

static struct node *parse_if(struct parser *p)
{
	return parse_control(p, N_IF, "if");
}

static struct node *parse_with(struct parser *p)
{
	return parse_control(p, N_WITH, "with");
}

static struct node *parse_action(struct parser *p)
{
	struct token *t = next_non_space(p);
	switch (t->type) {
	case T_BLOCK:
	case T_DEFINE:
	case T_TEMPLATE:
		parse_errorf(p, "{{%.*s}} is not supported in --format", (int)t->len, t->val);
	case T_BREAK:
	case T_CONTINUE: {
		bool is_break = t->type == T_BREAK;
		struct token *r = next_non_space(p);
		if (r->type != T_RDELIM)
			unexpected(p, r, is_break ? "{{break}}" : "{{continue}}");
		if (p->range_depth == 0)
			parse_errorf(p, "{{%s}} outside {{range}}", is_break ? "break" : "continue");
		return new_node(p, is_break ? N_BREAK : N_CONTINUE, t->pos, t->line);
	}
	case T_ELSE: {
		struct token *pk = peek_non_space(p);
		if (pk->type == T_IF || pk->type == T_WITH)
			return new_node(p, N_ELSE, pk->pos, pk->line);
		struct token *r = expect(p, T_RDELIM, "else");
		return new_node(p, N_ELSE, r->pos, r->line);
	}
	case T_END: {
		struct token *r = expect(p, T_RDELIM, "end");
		return new_node(p, N_END, r->pos, r->line);
	}
	case T_IF:
		return parse_if(p);
	case T_RANGE:
		return parse_control(p, N_RANGE, "range");
	case T_WITH:
		return parse_with(p);
	default:
		break;
	}
	backup(p);
	struct token *pk = peek_tok(p);
	struct node *a = new_node(p, N_ACTION, pk->pos, pk->line);
	a->pipe = parse_pipeline(p, "command", T_RDELIM);
	return a;
}

static struct node *parse_text_or_action(struct parser *p)
{
	struct token *t = next_non_space(p);
	switch (t->type) {
	case T_TEXT: {
		struct node *n = new_node(p, N_TEXT, t->pos, t->line);
		n->text = xstrndup(t->val, t->len);
		n->textlen = t->len;
		return n;
	}
	case T_LDELIM: {
		int saved = p->action_line;
		p->action_line = t->line;
		struct node *n = parse_action(p);
		p->action_line = saved;
		return n;
	}
	default:
		unexpected(p, t, "input");
	}
}

static int do_parse(struct parser *p)
{
	if (setjmp(p->jb))
		return -1;
	p->t->root = new_node(p, N_LIST, 0, 1);
	while (peek_tok(p)->type != T_EOF) {
		struct node *n = parse_text_or_action(p);
		if (n->type == N_END || n->type == N_ELSE) {
			p->scratch.n = 0;
			node_str(&p->scratch, n);
			parse_errorf(p, "unexpected %s", p->scratch.p);
		}
		add_kid(p->t->root, n);
	}
	return 0;
}

int tmpl_parse_named(const char *name, const char *src, struct tmpl **out, berr_t *err)
{
	struct tmpl *t = xcalloc(1, sizeof(*t));
	struct lexer l = {0};
	struct parser p = {0};
	int r;

	*out = NULL;
	t->name = xstrdup(name ? name : "");
	t->srclen = strlen(src);
	t->src = xstrndup(src, t->srclen);
	l.src = t->src;
	l.n = t->srclen;
	l.line_at_pos = 1;
	lex_all(&l);
	if (l.ntoks == 0 || (l.toks[l.ntoks - 1].type != T_EOF && l.toks[l.ntoks - 1].type != T_ERROR))
		push_token(&l, T_EOF, l.n, l.src + l.n, 0);
	if (l.toks[l.ntoks - 1].type == T_ERROR)
		/* The parser stops at the error; an EOF after it keeps peeks in bounds. */
		push_token(&l, T_EOF, l.n, l.src + l.n, 0);
	p.t = t;
	p.toks = l.toks;
	p.ntoks = l.ntoks;
	push_var(&p, "$", 1);
	r = do_parse(&p);
	if (r < 0)
		berr_make(err, 0, "%s", p.err);
	free(p.err);
	free(p.scratch.p);
	free(p.scratch2.p);
	pop_vars(&p, 0);
	free(p.vars);
	free(l.toks);
	for (size_t i = 0; i < l.nmsgs; i++)
		free(l.msgs[i]);
	free(l.msgs);
	if (r < 0) {
		tmpl_free(t);
		return -1;
	}
	*out = t;
	return 0;
}

int tmpl_parse(const char *src, struct tmpl **out, berr_t *err)
{
	return tmpl_parse_named("", src, out, err);
}

bool tmpl_is_table(const struct tmpl *t)
{
	return t && t->table;
}

void tmpl_set_missingkey_error(struct tmpl *t, bool on)
{
	t->missingkey_error = on;
}

void tmpl_set_row_type(struct tmpl *t, const char *go_type, const char *const *fields)
{
	t->row_type = go_type;
	t->row_fields = fields;
}

static bool row_field_known(const struct tmpl *t, const char *name)
{
	/* Go looks a method up by its exact name */
	for (size_t i = 0; t->row_fields[i]; i++)
		if (strcmp(t->row_fields[i], name) == 0)
			return true;
	return false;
}

void tmpl_set_zero_fn(struct tmpl *t, tmpl_zero_fn fn)
{
	t->zero_fn = fn;
}

void tmpl_set_limits(struct tmpl *t, unsigned long max_steps, size_t max_bytes)
{
	t->max_steps = max_steps;
	t->max_bytes = max_bytes;
}

/* ------------------------------------------------------------------ */
/* Evaluation (text/template/exec.go)                                  */
/* ------------------------------------------------------------------ */

/* Go's "missingVal": no value piped into a command. */
static char missing_marker;
#define MISSING ((json_t *)&missing_marker)

struct xvar {
	const char *name;
	json_t *val;
};

struct exec {
	const struct tmpl *t;
	struct sbuf out;
	struct xvar *vars;
	size_t nvars, capvars;
	json_t **pool;          /* values created while executing, freed at the end */
	size_t npool, cappool;
	void **blocks;          /* memory allocated while executing, freed at the end */
	size_t nblocks, capblocks;
	const struct node *at;  /* where we are, for messages */
	jmp_buf jb;
	char *err;
	struct sbuf scratch;
	/* header mode (tmpl_header) */
	bool header;
	tmpl_field_name_fn namefn;
	void *namectx;
	json_t *hdr_root;
	/* the builtin being called, for "error calling X" */
	const char *call_name;
	const struct node *call_node;
	/* a list's row: {{json .}} of it is the row's MarshalJSON (json.Marshal) */
	json_t *row;
	/* tmpl_set_limits */
	unsigned long steps;
	size_t bytes;           /* strings made so far */
};

static json_t *keep(struct exec *ex, json_t *v);

__attribute__((format(printf, 2, 3), noreturn)) static void exec_errorf(struct exec *ex, const char *fmt, ...)
{
	va_list ap;
	struct sbuf b = {0};
	char *msg = NULL;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (ex->at == NULL) {
		sb_addf(&b, "template: %s: %s", ex->t->name, msg ? msg : "out of memory");
	} else {
		/* location: name:line:byte-in-line, as Go's ErrorContext */
		size_t pos = ex->at->pos, nl = 0, col = pos;
		int line = 1;
		for (size_t i = 0; i < pos && i < ex->t->srclen; i++)
			if (ex->t->src[i] == '\n')
				line++, nl = i + 1;
		if (line > 1)
			col = pos - nl;
		struct sbuf ctx = {0};
		node_str(&ctx, ex->at);
		sb_addf(&b, "template: %s:%d:%zu: executing \"%s\" at <%s>: %s", ex->t->name, line, col, ex->t->name,
			ctx.p ? ctx.p : "", msg ? msg : "out of memory");
		free(ctx.p);
	}
	free(msg);
	ex->err = sb_steal(&b);
	longjmp(ex->jb, 1);
}

static json_t *keep(struct exec *ex, json_t *v)
{
	if (v == NULL)
		exec_errorf(ex, "out of memory");
	if (ex->npool == ex->cappool) {
		ex->cappool = ex->cappool ? ex->cappool * 2 : 64;
		ex->pool = xrealloc(ex->pool, ex->cappool * sizeof(*ex->pool));
	}
	ex->pool[ex->npool++] = v;
	return v;
}

static void *pooled_alloc(struct exec *ex, size_t size)
{
	void *p = xcalloc(1, size);
	if (ex->nblocks == ex->capblocks) {
		ex->capblocks = ex->capblocks ? ex->capblocks * 2 : 16;
		ex->blocks = xrealloc(ex->blocks, ex->capblocks * sizeof(*ex->blocks));
	}
	ex->blocks[ex->nblocks++] = p;
	return p;
}

static void count_step(struct exec *ex)
{
	if (ex->t->max_steps && ++ex->steps > ex->t->max_steps)
		exec_errorf(ex, "template execution exceeded %lu steps", ex->t->max_steps);
}

static void count_bytes(struct exec *ex, size_t n)
{
	ex->bytes += n;
	if (ex->t->max_bytes && (ex->bytes > ex->t->max_bytes || ex->out.n > ex->t->max_bytes))
		exec_errorf(ex, "template output exceeded %zu bytes", ex->t->max_bytes);
}

/* Strings are pooled before they are counted, so that a jump out of
 * count_bytes leaves nothing behind. */
static json_t *new_string(struct exec *ex, const char *s, size_t n)
{
	json_t *v = keep(ex, json_stringn_nocheck(s, n));
	count_bytes(ex, n);
	return v;
}

/* The buffer's bytes as a pooled string; the buffer is freed. */
static json_t *string_from_sbuf(struct exec *ex, struct sbuf *b)
{
	size_t n = b->n;
	json_t *v = json_stringn_nocheck(b->p ? b->p : "", n);
	free(b->p);
	memset(b, 0, sizeof(*b));
	keep(ex, v);
	count_bytes(ex, n);
	return v;
}

/* JSON null read out of data is Go's nil interface, which the evaluator
 * treats as no value at all. */
static json_t *denull(json_t *v)
{
	return (v && json_is_null(v)) ? NULL : v;
}

static void push_xvar(struct exec *ex, const char *name, json_t *v)
{
	if (ex->nvars == ex->capvars) {
		ex->capvars = ex->capvars ? ex->capvars * 2 : 16;
		ex->vars = xrealloc(ex->vars, ex->capvars * sizeof(*ex->vars));
	}
	ex->vars[ex->nvars++] = (struct xvar){name, v};
}

static void set_xvar(struct exec *ex, const char *name, json_t *v)
{
	for (size_t i = ex->nvars; i-- > 0;)
		if (strcmp(ex->vars[i].name, name) == 0) {
			ex->vars[i].val = v;
			return;
		}
	exec_errorf(ex, "undefined variable: %s", name);
}

static json_t *var_value(struct exec *ex, const char *name)
{
	for (size_t i = ex->nvars; i-- > 0;)
		if (strcmp(ex->vars[i].name, name) == 0)
			return ex->vars[i].val;
	exec_errorf(ex, "undefined variable: %s", name);
}

static bool truth(struct exec *ex, json_t *v)
{
	if (v == NULL)
		return false;
	if (v == ex->hdr_root)
		return true;
	switch (json_typeof(v)) {
	case JSON_OBJECT: return json_object_size(v) > 0;
	case JSON_ARRAY: return json_array_size(v) > 0;
	case JSON_STRING: return json_string_length(v) > 0;
	case JSON_INTEGER: return json_integer_value(v) != 0;
	case JSON_REAL: return json_real_value(v) != 0;
	case JSON_TRUE: return true;
	default: return false;
	}
}

/* A value as Go's %v shows it, for messages. */
static const char *value_str(struct exec *ex, json_t *v)
{
	struct fmtflags f = {0};
	ex->scratch.n = 0;
	sb_add(&ex->scratch, "", 0);
	fmt_value(&ex->scratch, &f, v, "v", 1, 0);
	return ex->scratch.p;
}

static const char *node_text(struct exec *ex, const struct node *n)
{
	ex->scratch.n = 0;
	sb_add(&ex->scratch, "", 0);
	node_str(&ex->scratch, n);
	return ex->scratch.p;
}

static int walk(struct exec *ex, json_t *dot, const struct node *n);
static json_t *eval_pipeline(struct exec *ex, json_t *dot, const struct node *pipe);
static json_t *eval_arg(struct exec *ex, json_t *dot, enum ptype type, const struct node *n);

/* Header mode: the column name of a field chain read from the data root. */
static json_t *header_name(struct exec *ex, char **idents, size_t n)
{
	struct sbuf path = {0};
	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_addc(&path, '.');
		sb_adds(&path, idents[i]);
	}
	sb_add(&path, "", 0);
	const char *name = ex->namefn ? ex->namefn(path.p, ex->namectx) : NULL;
	json_t *v;
	if (name) {
		v = new_string(ex, name, strlen(name));
	} else {
		/* docker's fallback: the field name upper-cased */
		for (size_t i = 0; i < path.n; i++)
			path.p[i] = (char)toupper((unsigned char)path.p[i]);
		v = new_string(ex, path.p, path.n);
	}
	free(path.p);
	return v;
}

/* An object's member, or one whose name differs only in case (docker's
 * Go field names against its JSON names: ID/Id, APIVersion/ApiVersion). */
static json_t *object_lookup(json_t *obj, const char *key, bool *found)
{
	json_t *v = json_object_get(obj, key);
	const char *k;
	json_t *e, *match = NULL;
	int matches = 0;

	*found = v != NULL;
	if (v)
		return v;
	json_object_foreach(obj, k, e) {
		if (strcasecmp(k, key) == 0) {
			match = e;
			matches++;
		}
	}
	if (matches == 1) {
		*found = true;
		return match;
	}
	return NULL;
}

static json_t *eval_field(struct exec *ex, const char *name, size_t nargs, json_t *final, json_t *receiver)
{
	if (receiver == NULL) {
		if (ex->t->missingkey_error)
			exec_errorf(ex, "nil data; no entry for key \"%s\"", name);
		return NULL;
	}
	if (ex->header && json_is_string(receiver))
		return receiver;
	bool has_args = nargs > 1 || final != MISSING;
	if (ex->t->row_type && ex->row && receiver == ex->row && !row_field_known(ex->t, name))
		exec_errorf(ex, "can't evaluate field %s in type %s", name, ex->t->row_type);
	if (json_is_object(receiver)) {
		bool found;
		if (has_args)
			exec_errorf(ex, "%s is not a method but has arguments", name);
		json_t *v = object_lookup(receiver, name, &found);
		if ((!found || json_is_null(v)) && ex->t->zero_fn) {
			json_t *z = ex->t->zero_fn(name);
			if (z)
				return z;
		}
		if (!found && ex->t->missingkey_error)
			exec_errorf(ex, "map has no entry for key \"%s\"", name);
		return denull(v);
	}
	exec_errorf(ex, "can't evaluate field %s in type %s", name, go_type(receiver));
}

static json_t *eval_field_chain(struct exec *ex, json_t *receiver, char **idents, size_t n, size_t nargs,
				json_t *final)
{
	if (ex->header && receiver == ex->hdr_root)
		return header_name(ex, idents, n);
	for (size_t i = 0; i + 1 < n; i++)
		receiver = eval_field(ex, idents[i], 0, MISSING, receiver);
	return eval_field(ex, idents[n - 1], nargs, final, receiver);
}

static void not_a_function(struct exec *ex, struct node *const *args, size_t nargs, json_t *final)
{
	if (nargs > 1 || final != MISSING)
		exec_errorf(ex, "can't give argument to non-function %s", node_text(ex, args[0]));
}

static json_t *eval_field_node(struct exec *ex, json_t *dot, const struct node *field, size_t nargs, json_t *final)
{
	ex->at = field;
	return eval_field_chain(ex, dot, field->idents, field->nidents, nargs, final);
}

static json_t *eval_variable_node(struct exec *ex, const struct node *var, struct node *const *args, size_t nargs,
				  json_t *final)
{
	ex->at = var;
	json_t *v = var_value(ex, var->idents[0]);
	if (var->nidents == 1) {
		not_a_function(ex, args, nargs, final);
		return v;
	}
	return eval_field_chain(ex, v, var->idents + 1, var->nidents - 1, nargs, final);
}

static json_t *eval_function(struct exec *ex, json_t *dot, const struct node *ident, const struct node *cmd,
			     struct node *const *args, size_t nargs, json_t *final);

static json_t *eval_chain_node(struct exec *ex, json_t *dot, const struct node *chain, size_t nargs, json_t *final)
{
	ex->at = chain;
	/* Go leaves the error position on the term evaluated last. */
	json_t *recv = eval_arg(ex, dot, P_ANY, chain->sub);
	return eval_field_chain(ex, recv, chain->idents, chain->nidents, nargs, final);
}

static json_t *ideal_constant(struct exec *ex, const struct node *n)
{
	ex->at = n;
	if (n->lit == NULL)
		exec_errorf(ex, "%s overflows int", n->text);
	return n->lit;
}

static const char *ptype_name(enum ptype t)
{
	switch (t) {
	case P_ANY: return "interface {}";
	case P_VALUE: return "reflect.Value";
	case P_STRING: return "string";
	case P_INT: return "int";
	default: return "[]string";
	}
}

static bool is_string_list(json_t *v)
{
	size_t i;
	json_t *e;
	if (!json_is_array(v))
		return false;
	json_array_foreach(v, i, e)
		if (!json_is_string(e))
			return false;
	return true;
}

/* validateType: may the value be passed as a parameter of this type? */
static json_t *validate(struct exec *ex, json_t *v, enum ptype type)
{
	if (v == NULL) {
		if (type == P_STRING || type == P_INT)
			exec_errorf(ex, "invalid value; expected %s", ptype_name(type));
		return NULL;
	}
	switch (type) {
	case P_STRING:
		if (!json_is_string(v))
			exec_errorf(ex, "wrong type for value; expected string; got %s", go_type(v));
		break;
	case P_INT:
		if (!json_is_integer(v))
			exec_errorf(ex, "wrong type for value; expected int; got %s", go_type(v));
		break;
	case P_STRLIST:
		if (!is_string_list(v))
			exec_errorf(ex, "wrong type for value; expected []string; got %s", go_type(v));
		break;
	default:
		break;
	}
	return v;
}

static json_t *eval_arg(struct exec *ex, json_t *dot, enum ptype type, const struct node *n)
{
	ex->at = n;
	switch (n->type) {
	case N_DOT:
		return validate(ex, dot, type);
	case N_NIL:
		/* nil can be an interface{}, a slice or a reflect.Value */
		if (type == P_ANY || type == P_VALUE || type == P_STRLIST)
			return NULL;
		exec_errorf(ex, "cannot assign nil to %s", ptype_name(type));
	case N_FIELD:
		return validate(ex, eval_field_node(ex, dot, n, 1, MISSING), type);
	case N_VAR:
		return validate(ex, eval_variable_node(ex, n, NULL, 0, MISSING), type);
	case N_PIPE:
		return validate(ex, eval_pipeline(ex, dot, n), type);
	case N_IDENT:
		return validate(ex, eval_function(ex, dot, n, n, NULL, 0, MISSING), type);
	case N_CHAIN:
		return validate(ex, eval_chain_node(ex, dot, n, 0, MISSING), type);
	default:
		break;
	}
	switch (type) {
	case P_STRING:
		if (n->type == N_STRING)
			return n->lit;
		exec_errorf(ex, "expected string; found %s", node_text(ex, n));
	case P_INT:
		if (n->type == N_NUMBER && n->lit_int)
			return n->lit_int;
		exec_errorf(ex, "expected integer; found %s", node_text(ex, n));
	case P_ANY:
	case P_VALUE:
		if (n->type == N_NUMBER)
			return ideal_constant(ex, n);
		if (n->type == N_STRING || n->type == N_BOOL)
			return n->lit;
		break;
	default:
		break;
	}
	exec_errorf(ex, "can't handle %s for arg of type %s", node_text(ex, n), ptype_name(type));
}

/* "error calling NAME: ..." at the command, as Go reports a function's error. */
__attribute__((format(printf, 2, 3), noreturn)) static void call_errorf(struct exec *ex, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	ex->at = ex->call_node;
	/* The message goes through the pool so that nothing leaks on the jump. */
	json_t *m = keep(ex, json_string_nocheck(msg ? msg : "out of memory"));
	free(msg);
	exec_errorf(ex, "error calling %s: %s", ex->call_name, json_string_value(m));
}

static json_t *eval_call(struct exec *ex, json_t *dot, const struct builtin *fn, const struct node *cmd,
			 struct node *const *args, size_t nargs, json_t *final)
{
	size_t num_in = nargs + (final != MISSING ? 1 : 0);
	bool passthru = ex->header && fn->header_passthru;

	if (fn->variadic) {
		if (num_in < fn->nfixed)
			exec_errorf(ex, "wrong number of args for %s: want at least %zu got %zu", fn->name, fn->nfixed,
				    nargs);
	} else if (num_in != fn->nfixed) {
		exec_errorf(ex, "wrong number of args for %s: want %zu got %zu", fn->name, fn->nfixed, num_in);
	}

	/* and/or evaluate their arguments one at a time and stop early. */
	if (fn->fn == NULL) {
		bool is_or = fn->name[0] == 'o';
		json_t *v = NULL;
		for (size_t i = 0; i < nargs; i++) {
			v = eval_arg(ex, dot, P_VALUE, args[i]);
			if (truth(ex, v) == is_or)
				return v;
		}
		if (final != MISSING)
			v = final;
		return v;
	}

	json_t **argv = pooled_alloc(ex, (num_in ? num_in : 1) * sizeof(*argv));
	size_t i = 0;
	for (; i < fn->nfixed && i < nargs; i++)
		argv[i] = eval_arg(ex, dot, passthru ? P_ANY : fn->fixed[i], args[i]);
	if (fn->variadic)
		for (; i < nargs; i++)
			argv[i] = eval_arg(ex, dot, passthru ? P_ANY : fn->rest, args[i]);
	if (final != MISSING) {
		enum ptype type;
		if (fn->variadic)
			type = num_in - 1 < fn->nfixed ? fn->fixed[num_in - 1] : fn->rest;
		else
			type = fn->fixed[fn->nfixed - 1];
		argv[i] = validate(ex, final, passthru ? P_ANY : type);
	}
	json_t *r;
	if (passthru && num_in > 0 && argv[0] && json_is_string(argv[0])) {
		/* docker's header functions give the column name back unchanged */
		r = argv[0];
	} else {
		/* not a column name after all: the parameter types apply */
		for (size_t k = 0; passthru && k < num_in; k++)
			validate(ex, argv[k], k < fn->nfixed ? fn->fixed[k] : fn->rest);
		const char *saved_name = ex->call_name;
		const struct node *saved_node = ex->call_node;
		ex->call_name = fn->name;
		ex->call_node = cmd;
		r = fn->fn(ex, argv, num_in);
		ex->call_name = saved_name;
		ex->call_node = saved_node;
	}
	/* Nested calls have released theirs, so argv is usually on top. */
	if (ex->nblocks && ex->blocks[ex->nblocks - 1] == (void *)argv)
		free(ex->blocks[--ex->nblocks]);
	return r;
}

static json_t *eval_function(struct exec *ex, json_t *dot, const struct node *ident, const struct node *cmd,
			     struct node *const *args, size_t nargs, json_t *final)
{
	ex->at = ident;
	return eval_call(ex, dot, ident->fn, cmd, args, nargs, final);
}

static json_t *eval_command(struct exec *ex, json_t *dot, const struct node *cmd, json_t *final)
{
	const struct node *first = cmd->kids[0];

	count_step(ex);
	switch (first->type) {
	case N_FIELD:
		return eval_field_node(ex, dot, first, cmd->nkids, final);
	case N_CHAIN:
		return eval_chain_node(ex, dot, first, cmd->nkids, final);
	case N_IDENT:
		return eval_function(ex, dot, first, cmd, cmd->kids + 1, cmd->nkids - 1, final);
	case N_PIPE:
		not_a_function(ex, cmd->kids, cmd->nkids, final);
		return eval_pipeline(ex, dot, first);
	case N_VAR:
		return eval_variable_node(ex, first, cmd->kids, cmd->nkids, final);
	default:
		break;
	}
	ex->at = first;
	not_a_function(ex, cmd->kids, cmd->nkids, final);
	switch (first->type) {
	case N_BOOL:
	case N_STRING:
		return first->lit;
	case N_NUMBER:
		return ideal_constant(ex, first);
	case N_DOT:
		return dot;
	case N_NIL:
		exec_errorf(ex, "nil is not a command");
	default:
		exec_errorf(ex, "can't evaluate command %s", node_text(ex, first));
	}
}

static json_t *eval_pipeline(struct exec *ex, json_t *dot, const struct node *pipe)
{
	json_t *v = MISSING;

	if (pipe == NULL)
		return NULL;
	ex->at = pipe;
	for (size_t i = 0; i < pipe->nkids; i++)
		v = eval_command(ex, dot, pipe->kids[i], v);
	if (v == MISSING)
		v = NULL;
	for (size_t i = 0; i < pipe->ndecl; i++) {
		if (pipe->is_assign)
			set_xvar(ex, pipe->decl[i], v);
		else
			push_xvar(ex, pipe->decl[i], v);
	}
	return v;
}

static void print_value(struct exec *ex, const struct node *n, json_t *v)
{
	struct fmtflags f = {0};
	size_t before = ex->out.n;
	ex->at = n;
	if (v == NULL)
		sb_adds(&ex->out, "<no value>");
	else
		fmt_value(&ex->out, &f, v, "v", 1, 0);
	count_bytes(ex, ex->out.n - before);
}

enum { WALK_OK, WALK_BREAK, WALK_CONTINUE };

static int walk_if_with(struct exec *ex, json_t *dot, const struct node *n)
{
	size_t mark = ex->nvars;
	json_t *v = eval_pipeline(ex, dot, n->pipe);
	int r = WALK_OK;

	if (truth(ex, v))
		r = walk(ex, n->type == N_WITH ? v : dot, n->list);
	else if (n->elselist)
		r = walk(ex, dot, n->elselist);
	ex->nvars = mark;
	return r;
}

/* One pass of a range body; returns true when the loop must stop. */
static bool range_once(struct exec *ex, const struct node *n, size_t mark, json_t *index, json_t *elem)
{
	const struct node *pipe = n->pipe;
	if (pipe->ndecl > 0) {
		if (pipe->is_assign)
			set_xvar(ex, pipe->decl[0], pipe->ndecl > 1 ? index : elem);
		else
			ex->vars[ex->nvars - 1].val = elem;
	}
	if (pipe->ndecl > 1) {
		if (pipe->is_assign)
			set_xvar(ex, pipe->decl[1], elem);
		else
			ex->vars[ex->nvars - 2].val = index;
	}
	int r = walk(ex, elem, n->list);
	ex->nvars = mark;
	return r == WALK_BREAK;
}

static int walk_range(struct exec *ex, json_t *dot, const struct node *n)
{
	size_t mark0 = ex->nvars;
	ex->at = n;
	json_t *v = eval_pipeline(ex, dot, n->pipe);
	size_t mark = ex->nvars;
	bool ran = false;

	if (v == NULL) {
		/* no value: like an empty map */
	} else if (json_is_array(v) && json_array_size(v) > 0) {
		for (size_t i = 0; i < json_array_size(v); i++) {
			ran = true;
			if (range_once(ex, n, mark, keep(ex, json_integer((json_int_t)i)), denull(json_array_get(v, i))))
				break;
		}
	} else if (json_is_object(v) && json_object_size(v) > 0) {
		size_t nk;
		const char **keys = sorted_keys(v, &nk);
		/* the keys are borrowed from v, which outlives the loop */
		char **copy = pooled_alloc(ex, nk * sizeof(*copy));
		memcpy(copy, keys, nk * sizeof(*copy));
		free(keys);
		for (size_t i = 0; i < nk; i++) {
			ran = true;
			json_t *elem = denull(json_object_get(v, copy[i]));
			if (range_once(ex, n, mark, new_string(ex, copy[i], strlen(copy[i])), elem))
				break;
		}
	} else if (json_is_integer(v)) {
		if (n->pipe->ndecl > 1)
			exec_errorf(ex, "can't use %s to iterate over more than one variable", value_str(ex, v));
		for (json_int_t i = 0; i < json_integer_value(v); i++) {
			ran = true;
			if (range_once(ex, n, mark, NULL, keep(ex, json_integer(i))))
				break;
		}
	} else if (!json_is_array(v) && !json_is_object(v)) {
		exec_errorf(ex, "range can't iterate over %s", value_str(ex, v));
	}
	if (!ran && n->elselist)
		walk(ex, dot, n->elselist);
	ex->nvars = mark0;
	return WALK_OK;
}

static int walk(struct exec *ex, json_t *dot, const struct node *n)
{
	ex->at = n;
	count_step(ex);
	switch (n->type) {
	case N_ACTION: {
		json_t *v = eval_pipeline(ex, dot, n->pipe);
		if (n->pipe->ndecl == 0)
			print_value(ex, n, v);
		return WALK_OK;
	}
	case N_IF:
	case N_WITH:
		return walk_if_with(ex, dot, n);
	case N_LIST:
		for (size_t i = 0; i < n->nkids; i++) {
			int r = walk(ex, dot, n->kids[i]);
			if (r != WALK_OK)
				return r;
		}
		return WALK_OK;
	case N_RANGE:
		return walk_range(ex, dot, n);
	case N_TEXT:
		sb_add(&ex->out, n->text, n->textlen);
		count_bytes(ex, n->textlen);
		return WALK_OK;
	case N_BREAK:
		return WALK_BREAK;
	case N_CONTINUE:
		return WALK_CONTINUE;
	default:
		exec_errorf(ex, "unknown node: %s", node_text(ex, n));
	}
}

/* ------------------------------------------------------------------ */
/* Functions: Go's builtins (funcs.go) and docker's (templates.go)     */
/* ------------------------------------------------------------------ */

static json_t *bool_value(bool b)
{
	/* true and false are singletons in jansson: nothing to pool */
	return b ? json_true() : json_false();
}

static json_t *fn_not(struct exec *ex, json_t **a, size_t n)
{
	(void)n;
	return bool_value(!truth(ex, a[0]));
}

static json_t *fn_len(struct exec *ex, json_t **a, size_t n)
{
	(void)n;
	json_t *v = a[0];
	if (v == NULL)
		/* Go's own words for it */
		call_errorf(ex, "reflect: call of reflect.Value.Type on zero Value");
	switch (json_typeof(v)) {
	case JSON_STRING: return keep(ex, json_integer((json_int_t)json_string_length(v)));
	case JSON_ARRAY: return keep(ex, json_integer((json_int_t)json_array_size(v)));
	case JSON_OBJECT: return keep(ex, json_integer((json_int_t)json_object_size(v)));
	default: call_errorf(ex, "len of type %s", go_type(v));
	}
}

/* indexArg: an index into something of length cap. */
static size_t index_arg(struct exec *ex, json_t *index, size_t cap, bool inclusive)
{
	if (index == NULL)
		call_errorf(ex, "cannot index slice/array with nil");
	if (!json_is_integer(index))
		call_errorf(ex, "cannot index slice/array with type %s", go_type(index));
	json_int_t x = json_integer_value(index);
	if (x < 0 || (size_t)x > cap || (!inclusive && (size_t)x == cap))
		call_errorf(ex, "index out of range: %" JSON_INTEGER_FORMAT, x);
	return (size_t)x;
}

static json_t *fn_index(struct exec *ex, json_t **a, size_t n)
{
	json_t *item = a[0];
	if (item == NULL)
		call_errorf(ex, "index of untyped nil");
	for (size_t i = 1; i < n; i++) {
		json_t *index = a[i];
		if (item == NULL)
			call_errorf(ex, "index of nil pointer");
		switch (json_typeof(item)) {
		case JSON_ARRAY:
			item = denull(json_array_get(item, index_arg(ex, index, json_array_size(item), false)));
			break;
		case JSON_STRING: {
			size_t k = index_arg(ex, index, json_string_length(item), false);
			item = keep(ex, json_integer((unsigned char)json_string_value(item)[k]));
			break;
		}
		case JSON_OBJECT:
			if (index == NULL)
				call_errorf(ex, "value is nil; should be of type string");
			if (!json_is_string(index))
				call_errorf(ex, "value has type %s; should be string", go_type(index));
			item = denull(json_object_get(item, json_string_value(index)));
			break;
		default:
			call_errorf(ex, "can't index item of type %s", go_type(item));
		}
	}
	return item;
}

static json_t *fn_slice(struct exec *ex, json_t **a, size_t n)
{
	json_t *item = a[0];
	size_t idx[3] = {0, 0, 0}, cap;

	if (item == NULL)
		call_errorf(ex, "slice of untyped nil");
	if (n - 1 > 3)
		call_errorf(ex, "too many slice indexes: %zu", n - 1);
	if (json_is_string(item)) {
		if (n - 1 == 3)
			call_errorf(ex, "cannot 3-index slice a string");
		cap = json_string_length(item);
	} else if (json_is_array(item)) {
		cap = json_array_size(item);
	} else {
		call_errorf(ex, "can't slice item of type %s", go_type(item));
	}
	idx[1] = cap;
	for (size_t i = 1; i < n; i++)
		idx[i - 1] = index_arg(ex, a[i], cap, true);
	if (idx[0] > idx[1])
		call_errorf(ex, "invalid slice index: %zu > %zu", idx[0], idx[1]);
	if (n - 1 == 3 && idx[1] > idx[2])
		call_errorf(ex, "invalid slice index: %zu > %zu", idx[1], idx[2]);
	if (json_is_string(item))
		return new_string(ex, json_string_value(item) + idx[0], idx[1] - idx[0]);
	json_t *out = keep(ex, json_array());
	for (size_t i = idx[0]; i < idx[1]; i++)
		json_array_append(out, json_array_get(item, i));
	return out;
}

enum bkind { K_INVALID, K_BOOL, K_INT, K_FLOAT, K_STRING };

static enum bkind basic_kind(json_t *v)
{
	if (v == NULL)
		return K_INVALID;
	switch (json_typeof(v)) {
	case JSON_TRUE:
	case JSON_FALSE: return K_BOOL;
	case JSON_INTEGER: return K_INT;
	case JSON_REAL: return K_FLOAT;
	case JSON_STRING: return K_STRING;
	default: return K_INVALID;
	}
}

static double num_value(json_t *v)
{
	return json_is_integer(v) ? (double)json_integer_value(v) : json_real_value(v);
}

static int str_compare(json_t *a, json_t *b)
{
	size_t la = json_string_length(a), lb = json_string_length(b);
	int c = memcmp(json_string_value(a), json_string_value(b), la < lb ? la : lb);
	return c ? c : (la < lb ? -1 : la > lb ? 1 : 0);
}

static bool numeric_pair(enum bkind k1, enum bkind k2)
{
	return (k1 == K_INT || k1 == K_FLOAT) && (k2 == K_INT || k2 == K_FLOAT);
}

static bool values_equal(struct exec *ex, json_t *a, json_t *b)
{
	enum bkind k1 = basic_kind(a), k2 = basic_kind(b);

	if (k1 != k2) {
		if (numeric_pair(k1, k2))
			return num_value(a) == num_value(b);
		if (a != NULL && b != NULL)
			call_errorf(ex, "incompatible types for comparison");
		return false;
	}
	switch (k1) {
	case K_BOOL: return json_is_true(a) == json_is_true(b);
	case K_INT: return json_integer_value(a) == json_integer_value(b);
	case K_FLOAT: return json_real_value(a) == json_real_value(b);
	case K_STRING: return str_compare(a, b) == 0;
	default:
		if (a == NULL || b == NULL)
			return a == b;
		call_errorf(ex, "non-comparable type %s: %s", value_str(ex, a), go_type(a));
	}
}

static json_t *fn_eq(struct exec *ex, json_t **a, size_t n)
{
	if (n < 2)
		call_errorf(ex, "missing argument for comparison");
	for (size_t i = 1; i < n; i++)
		if (values_equal(ex, a[0], a[i]))
			return bool_value(true);
	return bool_value(false);
}

static json_t *fn_ne(struct exec *ex, json_t **a, size_t n)
{
	(void)n;
	return bool_value(!values_equal(ex, a[0], a[1]));
}

static bool less_than(struct exec *ex, json_t *a, json_t *b)
{
	enum bkind k1 = basic_kind(a), k2 = basic_kind(b);

	if (k1 == K_INVALID || k2 == K_INVALID)
		call_errorf(ex, "invalid type for comparison");
	if (k1 != k2) {
		if (numeric_pair(k1, k2))
			return num_value(a) < num_value(b);
		call_errorf(ex, "incompatible types for comparison");
	}
	switch (k1) {
	case K_BOOL: call_errorf(ex, "invalid type for comparison");
	case K_INT: return json_integer_value(a) < json_integer_value(b);
	case K_FLOAT: return json_real_value(a) < json_real_value(b);
	default: return str_compare(a, b) < 0;
	}
}

static json_t *fn_lt(struct exec *ex, json_t **a, size_t n)
{
	(void)n;
	return bool_value(less_than(ex, a[0], a[1]));
}

static json_t *fn_le(struct exec *ex, json_t **a, size_t n)
{
	(void)n;
	return bool_value(less_than(ex, a[0], a[1]) || values_equal(ex, a[0], a[1]));
}

static json_t *fn_gt(struct exec *ex, json_t **a, size_t n)
{
	(void)n;
	return bool_value(!(less_than(ex, a[0], a[1]) || values_equal(ex, a[0], a[1])));
}

static json_t *fn_ge(struct exec *ex, json_t **a, size_t n)
{
	(void)n;
	return bool_value(!less_than(ex, a[0], a[1]));
}

static json_t *fn_print(struct exec *ex, json_t **a, size_t n)
{
	struct sbuf b = {0};
	go_sprint(&b, a, n);
	return string_from_sbuf(ex, &b);
}

static json_t *fn_println(struct exec *ex, json_t **a, size_t n)
{
	struct sbuf b = {0};
	go_sprintln(&b, a, n);
	return string_from_sbuf(ex, &b);
}

static json_t *fn_printf(struct exec *ex, json_t **a, size_t n)
{
	struct sbuf b = {0};
	go_sprintf(&b, json_string_value(a[0]), json_string_length(a[0]), a + 1, n - 1);
	return string_from_sbuf(ex, &b);
}

/* evalArgs: the arguments as one string, as print would, but with a
 * missing value shown as <no value>. */
static void eval_args_string(struct exec *ex, json_t **a, size_t n, struct sbuf *out)
{
	if (n == 1 && a[0] && json_is_string(a[0])) {
		sb_add(out, json_string_value(a[0]), json_string_length(a[0]));
		return;
	}
	json_t **args = pooled_alloc(ex, (n ? n : 1) * sizeof(*args));
	for (size_t i = 0; i < n; i++)
		args[i] = a[i] ? a[i] : new_string(ex, "<no value>", 10);
	go_sprint(out, args, n);
}

static json_t *fn_html(struct exec *ex, json_t **a, size_t n)
{
	struct sbuf s = {0}, b = {0};
	eval_args_string(ex, a, n, &s);
	for (size_t i = 0; i < s.n; i++) {
		switch (s.p[i]) {
		case '"': sb_adds(&b, "&#34;"); break;
		case '\'': sb_adds(&b, "&#39;"); break;
		case '&': sb_adds(&b, "&amp;"); break;
		case '<': sb_adds(&b, "&lt;"); break;
		case '>': sb_adds(&b, "&gt;"); break;
		case '\0': sb_adds(&b, "\xef\xbf\xbd"); break;
		default: sb_addc(&b, s.p[i]);
		}
	}
	free(s.p);
	return string_from_sbuf(ex, &b);
}

static json_t *fn_js(struct exec *ex, json_t **a, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	struct sbuf s = {0}, b = {0};
	size_t i = 0;

	eval_args_string(ex, a, n, &s);
	while (i < s.n) {
		unsigned char c = (unsigned char)s.p[i];
		if (c < 0x80) {
			switch (c) {
			case '\\': sb_adds(&b, "\\\\"); break;
			case '\'': sb_adds(&b, "\\'"); break;
			case '"': sb_adds(&b, "\\\""); break;
			case '<': sb_adds(&b, "\\u003C"); break;
			case '>': sb_adds(&b, "\\u003E"); break;
			case '&': sb_adds(&b, "\\u0026"); break;
			case '=': sb_adds(&b, "\\u003D"); break;
			default:
				if (c < ' ') {
					sb_adds(&b, "\\u00");
					sb_addc(&b, hex[c >> 4]);
					sb_addc(&b, hex[c & 0xf]);
				} else {
					sb_addc(&b, (char)c);
				}
			}
			i++;
			continue;
		}
		uint32_t r;
		size_t sz = utf8_decode((const unsigned char *)s.p + i, s.n - i, &r);
		if (u_isprint(r))
			sb_add(&b, s.p + i, sz);
		else
			sb_addf(&b, "\\u%04X", (unsigned)r);
		i += sz;
	}
	free(s.p);
	return string_from_sbuf(ex, &b);
}

static json_t *fn_urlquery(struct exec *ex, json_t **a, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	struct sbuf s = {0}, b = {0};
	eval_args_string(ex, a, n, &s);
	for (size_t i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
			sb_addc(&b, (char)c);
		} else if (c == ' ') {
			sb_addc(&b, '+');
		} else {
			sb_addc(&b, '%');
			sb_addc(&b, hex[c >> 4]);
			sb_addc(&b, hex[c & 0xf]);
		}
	}
	free(s.p);
	return string_from_sbuf(ex, &b);
}

/* docker: json.NewEncoder with SetEscapeHTML(false), trailing newline
 * trimmed; but a list's row itself ({{json .}}, --format json) goes
 * through the row's MarshalJSON, json.Marshal, which escapes < > &. */
static json_t *fn_json(struct exec *ex, json_t **a, size_t n)
{
	(void)n;
	struct sbuf b = {0};
	json_encode(&b, a[0], ex->t->json_escape_html || (ex->row && a[0] == ex->row), 0);
	return string_from_sbuf(ex, &b);
}

static json_t *fn_split(struct exec *ex, json_t **a, size_t n)
{
	(void)n;
	const char *s = json_string_value(a[0]), *sep = json_string_value(a[1]);
	size_t sl = json_string_length(a[0]), pl = json_string_length(a[1]);
	json_t *out = keep(ex, json_array());

	if (pl == 0) {
		/* every UTF-8 sequence (or malformed byte) on its own */
		size_t i = 0;
		while (i < sl) {
			uint32_t r;
			size_t sz = utf8_decode((const unsigned char *)s + i, sl - i, &r);
			json_array_append_new(out, json_stringn_nocheck(s + i, sz));
			count_bytes(ex, sz + 16);
			i += sz;
		}
		return out;
	}
	size_t start = 0;
	for (size_t i = 0; i + pl <= sl;) {
		if (memcmp(s + i, sep, pl) == 0) {
			json_array_append_new(out, json_stringn_nocheck(s + start, i - start));
			count_bytes(ex, i - start + 16);
			i += pl;
			start = i;
		} else {
			i++;
		}
	}
	json_array_append_new(out, json_stringn_nocheck(s + start, sl - start));
	return out;
}

static json_t *fn_join(struct exec *ex, json_t **a, size_t n)
{
	(void)n;
	struct sbuf b = {0};
	size_t i;
	json_t *e;

	sb_add(&b, "", 0);
	if (a[0]) {
		json_array_foreach(a[0], i, e) {
			if (i)
				sb_add(&b, json_string_value(a[1]), json_string_length(a[1]));
			sb_add(&b, json_string_value(e), json_string_length(e));
		}
	}
	return string_from_sbuf(ex, &b);
}

enum case_map { CASE_UPPER, CASE_LOWER, CASE_TITLE };

static json_t *map_case(struct exec *ex, json_t *v, enum case_map how)
{
	const char *s = json_string_value(v);
	size_t n = json_string_length(v), i = 0;
	struct sbuf b = {0};
	bool in_word = false;

	sb_add(&b, "", 0);
	while (i < n) {
		uint32_t r;
		size_t sz = utf8_decode((const unsigned char *)s + i, n - i, &r);
		switch (how) {
		case CASE_UPPER:
			r = u_upper(r);
			break;
		case CASE_LOWER:
			r = u_lower(r);
			break;
		case CASE_TITLE: {
			/* docker's cases.Title(NoLower): the first letter of each
			 * word; letters, digits and '_' continue a word. */
			bool word_char = u_isletter(r) || u_isdigit(r) || r == '_';
			if (!in_word && u_isletter(r))
				r = u_title(r);
			in_word = word_char;
			break;
		}
		}
		sb_addrune(&b, r);
		i += sz;
	}
	return string_from_sbuf(ex, &b);
}

static json_t *fn_upper(struct exec *ex, json_t **a, size_t n)
{
	(void)n;
	return map_case(ex, a[0], CASE_UPPER);
}

static json_t *fn_lower(struct exec *ex, json_t **a, size_t n)
{
	(void)n;
	return map_case(ex, a[0], CASE_LOWER);
}

static json_t *fn_title(struct exec *ex, json_t **a, size_t n)
{
	(void)n;
	return map_case(ex, a[0], CASE_TITLE);
}

/* Longer than any column; guards against "pad x 1000000000 0". */
#define MAX_PAD (16u << 20)

static json_t *fn_pad(struct exec *ex, json_t **a, size_t n)
{
	(void)n;
	json_int_t pre = json_integer_value(a[1]), post = json_integer_value(a[2]);
	struct sbuf b = {0};

	if (json_string_length(a[0]) == 0)
		return a[0];
	if (pre < 0 || post < 0)
		call_errorf(ex, "strings: negative Repeat count");
	if ((unsigned long long)pre > MAX_PAD || (unsigned long long)post > MAX_PAD)
		call_errorf(ex, "strings: Repeat output length overflow");
	sb_fill(&b, ' ', (size_t)pre);
	sb_add(&b, json_string_value(a[0]), json_string_length(a[0]));
	sb_fill(&b, ' ', (size_t)post);
	return string_from_sbuf(ex, &b);
}

/* docker's truncate counts bytes, so it can cut a character in two. */
static json_t *fn_truncate(struct exec *ex, json_t **a, size_t n)
{
	(void)n;
	json_int_t len = json_integer_value(a[1]);
	size_t sl = json_string_length(a[0]);

	if (len >= 0 && sl < (unsigned long long)len)
		return a[0];
	if (len < 0)
		call_errorf(ex, "runtime error: slice bounds out of range [:%" JSON_INTEGER_FORMAT "]", len);
	return new_string(ex, json_string_value(a[0]), (size_t)len);
}

static const struct builtin builtins[] = {
	/* name, fixed, variadic, fixed types, rest type, fn, header passthru */
	{"and", 1, true, {P_VALUE}, P_VALUE, NULL, false},
	{"eq", 1, true, {P_VALUE}, P_VALUE, fn_eq, false},
	{"ge", 2, false, {P_VALUE, P_VALUE}, P_ANY, fn_ge, false},
	{"gt", 2, false, {P_VALUE, P_VALUE}, P_ANY, fn_gt, false},
	{"html", 0, true, {P_ANY}, P_ANY, fn_html, false},
	{"index", 1, true, {P_VALUE}, P_VALUE, fn_index, false},
	{"join", 2, false, {P_STRLIST, P_STRING}, P_ANY, fn_join, true},
	{"js", 0, true, {P_ANY}, P_ANY, fn_js, false},
	{"json", 1, false, {P_ANY}, P_ANY, fn_json, true},
	{"le", 2, false, {P_VALUE, P_VALUE}, P_ANY, fn_le, false},
	{"len", 1, false, {P_VALUE}, P_ANY, fn_len, false},
	{"lower", 1, false, {P_STRING}, P_ANY, fn_lower, true},
	{"lt", 2, false, {P_VALUE, P_VALUE}, P_ANY, fn_lt, false},
	{"ne", 2, false, {P_VALUE, P_VALUE}, P_ANY, fn_ne, false},
	{"not", 1, false, {P_VALUE}, P_ANY, fn_not, false},
	{"or", 1, true, {P_VALUE}, P_VALUE, NULL, false},
	{"pad", 3, false, {P_STRING, P_INT, P_INT}, P_ANY, fn_pad, false},
	{"print", 0, true, {P_ANY}, P_ANY, fn_print, false},
	{"printf", 1, true, {P_STRING}, P_ANY, fn_printf, false},
	{"println", 0, true, {P_ANY}, P_ANY, fn_println, false},
	{"slice", 1, true, {P_VALUE}, P_VALUE, fn_slice, false},
	{"split", 2, false, {P_STRING, P_STRING}, P_ANY, fn_split, true},
	{"title", 1, false, {P_STRING}, P_ANY, fn_title, true},
	{"truncate", 2, false, {P_STRING, P_INT}, P_ANY, fn_truncate, true},
	{"upper", 1, false, {P_STRING}, P_ANY, fn_upper, true},
	{"urlquery", 0, true, {P_ANY}, P_ANY, fn_urlquery, false},
};

static const struct builtin *find_builtin(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (strlen(builtins[i].name) == len && memcmp(builtins[i].name, name, len) == 0)
			return &builtins[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Running a template                                                  */
/* ------------------------------------------------------------------ */

static void exec_cleanup(struct exec *ex)
{
	for (size_t i = 0; i < ex->npool; i++)
		json_decref(ex->pool[i]);
	free(ex->pool);
	for (size_t i = 0; i < ex->nblocks; i++)
		free(ex->blocks[i]);
	free(ex->blocks);
	free(ex->vars);
	free(ex->scratch.p);
	json_decref(ex->hdr_root);
}

/* Run; the rendering (complete, or up to the error) is left in ex->out. */
static int run(struct exec *ex, json_t *dot, berr_t *err)
{
	if (setjmp(ex->jb)) {
		berr_make(err, 0, "%s", ex->err);
		free(ex->err);
		ex->err = NULL;
		return -1;
	}
	push_xvar(ex, "$", dot);
	walk(ex, dot, ex->t->root);
	return 0;
}

static int render_row(const struct tmpl *t, json_t *dot, bool row, struct sbuf *out, berr_t *err)
{
	struct exec ex = {0};
	int r;

	ex.t = t;
	ex.row = row ? dot : NULL;
	r = run(&ex, denull(dot), err);
	*out = ex.out;
	exec_cleanup(&ex);
	return r;
}

static int render(const struct tmpl *t, json_t *dot, struct sbuf *out, berr_t *err)
{
	return render_row(t, dot, false, out, err);
}

int tmpl_exec(const struct tmpl *t, json_t *dot, FILE *out, berr_t *err)
{
	struct sbuf b = {0};
	int r = render(t, dot, &b, err);
	if (b.n)
		fwrite(b.p, 1, b.n, out);
	free(b.p);
	return r;
}

char *tmpl_render(const struct tmpl *t, json_t *dot, berr_t *err)
{
	struct sbuf b = {0};
	if (render(t, dot, &b, err) < 0) {
		free(b.p);
		return NULL;
	}
	return sb_steal(&b);
}

char *tmpl_header(const struct tmpl *t, tmpl_field_name_fn name_for_field, void *ctx)
{
	struct exec ex = {0};
	berr_t err = NULL;

	ex.t = t;
	ex.header = true;
	ex.namefn = name_for_field;
	ex.namectx = ctx;
	ex.hdr_root = json_object();
	/* docker ignores an error in the header row and keeps what was
	 * rendered before it (ranging over a column name fails, for one) */
	run(&ex, ex.hdr_root, &err);
	berr_free(&err);
	exec_cleanup(&ex);
	return sb_steal(&ex.out);
}

int tmpl_write_list(const struct tmpl *t, json_t *items, tmpl_field_name_fn name_for_field, void *ctx, FILE *out,
		    berr_t *err)
{
	struct sbuf all = {0};
	size_t i;
	json_t *item;

	if (t->table) {
		char *h = tmpl_header(t, name_for_field, ctx);
		sb_adds(&all, h);
		sb_addc(&all, '\n');
		free(h);
	}
	json_array_foreach(items, i, item) {
		struct sbuf row = {0};
		if (render_row(t, item, true, &row, err) < 0) {
			free(row.p);
			free(all.p);
			return -1;
		}
		sb_add(&all, row.p ? row.p : "", row.n);
		sb_addc(&all, '\n');
		free(row.p);
	}
	if (t->table) {
		struct tabwriter *tw = tw_new(out, 10, 1, 3);
		tw_write(tw, all.p ? all.p : "", all.n);
		tw_flush(tw);
		tw_free(tw);
	} else if (all.n) {
		fwrite(all.p, 1, all.n, out);
	}
	free(all.p);
	return 0;
}

int tmpl_parse_format(const char *format, const char *default_table, struct tmpl **out, berr_t *err)
{
	const char *f = format;
	struct sbuf b = {0};
	bool table, json = false;
	int r;

	if (f == NULL || *f == '\0' || strcmp(f, "table") == 0) {
		f = default_table ? default_table : "";
	} else if (strcmp(f, "json") == 0) {
		f = "{{json .}}";
		json = true;
	}
	table = str_has_prefix(f, "table");
	if (table)
		f += 5;
	/* strings.Trim(format, " ") */
	size_t n = strlen(f);
	while (n && *f == ' ')
		f++, n--;
	while (n && f[n - 1] == ' ')
		n--;
	/* docker turns the two characters \t and \n into a tab and a newline */
	sb_add(&b, "", 0);
	for (size_t i = 0; i < n; i++) {
		if (f[i] == '\\' && i + 1 < n && (f[i + 1] == 't' || f[i + 1] == 'n')) {
			sb_addc(&b, f[i + 1] == 't' ? '\t' : '\n');
			i++;
		} else {
			sb_addc(&b, f[i]);
		}
	}
	r = tmpl_parse(b.p, out, err);
	free(b.p);
	if (r == 0) {
		(*out)->table = table;
		(*out)->json_escape_html = json;
	}
	return r;
}
