/* JSON string literals (RFC 8259, section 7). */
#include "cprof/json.h"

#include <stdint.h>

#include <string.h>

#include "cprof/util.h"

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
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(out, "\\u%04x", *p);
		} else if ((n = utf8_seq_len(p, (size_t)(end - p))) == 2 && p[0] == 0xc2 &&
			   p[1] < 0xa0) {
			/* a C1 control (U+0080..U+009F): escaped, so no raw one reaches a terminal */
			fprintf(out, "\\u%04x", p[1]);
			p++;
		} else if (n) {
			fwrite(p, 1, (size_t)n, out);
			p += n - 1;
		} else {
			fputs("\\ufffd", out);
		}
		p++;
	}
	putc('"', out);
}
