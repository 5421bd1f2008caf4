/*
 * Symbol tables that are plain address ranges, for code with no ELF file
 * behind it: JIT code named by /tmp/perf-PID.map files (node
 * --perf-basic-prof, python -X perf, Java agents) and the kernel, named
 * from /proc/kallsyms.
 */
#ifndef CPROF_ADDRSYMS_H
#define CPROF_ADDRSYMS_H

#include <stddef.h>
#include <stdint.h>

/* A perf-map line this long or longer (its newline left out) names nothing: the reader skips it. */
#define PERFMAP_LINE_MAX 4096

/*
 * Parse one perf map line, "START SIZE NAME" (hex numbers, with or
 * without 0x; NAME may hold spaces). The newline, if any, is dropped. NAME
 * points into LINE. Returns 0 or -EINVAL.
 */
int perfmap_parse_line(char *line, uint64_t *start, uint64_t *size, const char **name);

/*
 * Parse one /proc/kallsyms line, "ADDR TYPE NAME [MODULE]". Returns 0 for
 * a code symbol (type t, T, w or W), -ENOENT for another kind, -EINVAL if
 * malformed. NAME points into LINE (the module part is cut off).
 */
int kallsyms_parse_line(char *line, uint64_t *addr, const char **name);

/* kallsyms_read() reads at most KALLSYMS_MAX bytes (a kernel's are ~10 MiB); a line this long or longer names nothing. */
#define KALLSYMS_MAX (256u << 20)
#define KALLSYMS_LINE_MAX 1024

/*
 * Read the kallsyms file PATH ("/proc/kallsyms") and call FN for each code
 * symbol in it with a nonzero address (all are 0 when kptr_restrict hides
 * them), NAME borrowed for the call. A longer line is skipped; past
 * KALLSYMS_MAX bytes the rest is left unread. Returns 0, -errno if PATH
 * cannot be opened, or FN's first nonzero return, which stops the reading.
 */
typedef int (*kallsyms_fn)(uint64_t addr, const char *name, void *arg);
int kallsyms_read(const char *path, kallsyms_fn fn, void *arg);

struct addrsyms;

int addrsyms_new(struct addrsyms **out);
void addrsyms_free(struct addrsyms *t);

/*
 * Add [START, START + SIZE) named NAME (copied). SIZE 0 means "up to the
 * next symbol". Of two entries starting at the same address, the one
 * added last wins, as JIT code is rewritten in place.
 */
int addrsyms_add(struct addrsyms *t, uint64_t start, uint64_t size, const char *name);
/* Add every valid line of a perf map TEXT (LEN bytes), each shorter than PERFMAP_LINE_MAX. */
int addrsyms_add_perfmap(struct addrsyms *t, const char *text, size_t len);

/*
 * Name of the symbol covering ADDR (borrowed), or NULL; its range into
 * *START and *SIZE when those are not NULL. Sorts on first use after adds.
 */
const char *addrsyms_lookup(struct addrsyms *t, uint64_t addr, uint64_t *start, uint64_t *size);
size_t addrsyms_count(const struct addrsyms *t);

#endif
