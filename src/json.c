/* JSON string literals (RFC 8259, section 7). */
#include "cprof/json.h"

#include <stdint.h>

#include <string.h>

/*
 * Length of the valid UTF-8 sequence at S (1 to 4, within AVAIL bytes), or 0
 * if S does not start one: no overlong forms, no surrogates, nothing above
 * U+10FFFF.
 */
static int utf8_len(const unsigned char *s, size_t avail)
{
	uint32_t min, c;
	int n, i;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		n = 2, min = 0x80, c = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, min = 0x800, c = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4, min = 0x10000, c = s[0] & 0x07;
	else
		return 0;
	if ((size_t)n > avail)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return n;
}

/* the characters JSON spells with a short escape */
static const char *const escapes[0x80] = {
	['"'] = "\\\"", ['\\'] = "\\\\", ['\n'] = "\\n", ['\r'] = "\\r", ['\t'] = "\\t",
};

void json_put_string(FILE *out, const char *s)
{
	json_put_mem(out, s, strlen(s));
}

void json_put_mem(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	int n;

	putc('"', out);
	while (p < end) {
		if (*p < 0x80 && escapes[*p]) {
			fputs(escapes[*p], out);
		} else if (*p < 0x20) {
			fprintf(out, "\\u%04x", *p);
		} else if ((n = utf8_len(p, (size_t)(end - p)))) {
			fwrite(p, 1, (size_t)n, out);
			p += n - 1;
		} else {
			fputs("\\ufffd", out);
		}
		p++;
	}
	putc('"', out);
}
