#include "cprof/read_folded.h"
#include "cprof/reader.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/util.h"

static const struct {
	const char *text;
	enum frame_kind kind;
} suffixes[] = {
	{ "_[k]", FRAME_KERNEL },
	{ "_[i]", FRAME_INLINED },
	{ "_[j]", FRAME_JIT },
};

/* Id of the frame named by NAME (LEN bytes) and its kind suffix, if any. */
static int add_frame(struct profile *p, struct buf *name, const char *s, size_t len, uint32_t *id)
{
	struct profile_frame f = { .module = PROFILE_NONE, .location = PROFILE_NONE };
	size_t i;

	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t n = strlen(suffixes[i].text);

		if (len > n && !memcmp(s + len - n, suffixes[i].text, n)) {
			f.kind = suffixes[i].kind;
			len -= n;
			break;
		}
	}
	name->len = 0;
	if (buf_append(name, s, len) || buf_append(name, "", 1))
		return -ENOMEM;
	f.name = f.mangled = name->data;
	f.symbolized = name->data[0] != '[';
	return profile_frame(p, &f, id);
}

/* The count at the end of LINE (LEN bytes, no newline): *STACK_LEN is what precedes it. */
static int split_count(const char *line, size_t len, size_t *stack_len, int64_t *count)
{
	size_t end = len, start;
	uint64_t v = 0;

	while (end && (line[end - 1] == ' ' || line[end - 1] == '\t' || line[end - 1] == '\r'))
		end--;
	for (start = end; start && line[start - 1] >= '0' && line[start - 1] <= '9'; start--)
		;
	if (start == end || !start || (line[start - 1] != ' ' && line[start - 1] != '\t'))
		return -EBADMSG;
	for (size_t i = start; i < end; i++) {
		if (v > (INT64_MAX - 9) / 10)
			return -EBADMSG;
		v = v * 10 + (uint64_t)(line[i] - '0');
	}
	while (start && (line[start - 1] == ' ' || line[start - 1] == '\t'))
		start--;
	if (!start)
		return -EBADMSG;
	*stack_len = start;
	*count = (int64_t)v;
	return 0;
}

static int add_line(struct profile *p, const char *line, size_t len, struct buf *name,
		    uint32_t **frames, size_t *cap, int64_t *total)
{
	size_t stack_len, n = 0, i, start = 0;
	uint32_t thread, stack;
	int64_t count;
	int err = split_count(line, len, &stack_len, &count);

	if (!err && count > PROFILE_MAX_TOTAL - *total)
		err = -EBADMSG;
	if (!err)
		*total += count;
	for (i = 0; !err && i <= stack_len; i++) {
		if (i < stack_len && line[i] != ';')
			continue;
		if (i == start) {
			err = -EBADMSG;   /* an empty frame */
		} else if (start == 0) {
			name->len = 0;
			err = buf_append(name, line, i) || buf_append(name, "", 1) ? -ENOMEM :
			      profile_thread(p, 0, 0, name->data, name->data, &thread);
		} else if (array_reserve(frames, cap, n + 1, sizeof(**frames))) {
			err = -ENOMEM;
		} else {
			err = add_frame(p, name, line + start, i - start, &(*frames)[n++]);
		}
		start = i + 1;
	}
	if (!err)
		err = profile_stack(p, *frames, n, &stack);
	if (!err)
		err = profile_add(p, stack, thread, &count, NULL);
	return err;
}

int read_folded(const char *data, size_t len, struct profile **out, size_t *bad_line)
{
	struct profile *p = NULL;
	struct buf name;
	uint32_t *frames = NULL, col;
	size_t cap = 0, pos = 0, lineno = 0;
	int64_t total = 0;
	int err;

	buf_init(&name);
	if ((err = profile_new(&p)) || (err = profile_add_column(p, "samples", "count", &col)))
		goto out;
	while (pos < len && !err) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (data + pos)) : len - pos, k;

		lineno++;
		for (k = 0; k < n && (data[pos + k] == ' ' || data[pos + k] == '\t' ||
				      data[pos + k] == '\r'); k++)
			;
		if (k < n) {
			/* a NUL byte is no folded text */
			err = memchr(data + pos, '\0', n) ? -EBADMSG :
			      add_line(p, data + pos, n, &name, &frames, &cap, &total);
			if (err == -EBADMSG)
				*bad_line = lineno;
		}
		pos += n + 1;
	}
out:
	free(frames);
	buf_release(&name);
	if (err) {
		profile_free(p);
		p = NULL;
	}
	*out = p;
	return err;
}

/* Any text may be folded stacks: the reader says which line is not. */
static int recognise_folded(const char *data, size_t len)
{
	(void)data;
	(void)len;
	return 1;
}

static int reader_read_folded(const struct reader_input *in, struct profile **out, size_t *line)
{
	*line = 0;
	return read_folded(in->data, in->len, out, line);
}

static const char *strerror_folded(int err)
{
	return err == -EBADMSG ? "is not folded stacks (\"frame;frame COUNT\") nor another format "
				 "cprof reads" : NULL;
}

const struct reader reader_folded = {
	.name = "folded",
	.recognise = recognise_folded,
	.read = reader_read_folded,
	.strerror = strerror_folded,
};
