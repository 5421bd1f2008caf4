/*
 * The symbolizer names code addresses of the binaries a recording saw.
 *
 * Binaries are keyed by (path, build-id), each opened once with its own
 * libdwfl session at bias 0, so addresses are ELF virtual addresses and
 * each (binary, address) is resolved once per symbolizer, whatever the
 * number of processes that mapped it.
 *
 * Memory: a binary's function index is built in one pass over its symbol
 * table, and libdw reads every CU header on the first DWARF lookup; the
 * pages of the mapped file those passes read are then given back to the
 * page cache (cprof/elfpages.h), so that the RSS holds the
 * index and the pages of the names and DIEs looked up since.
 */
#ifndef CPROF_SYMBOLIZER_H
#define CPROF_SYMBOLIZER_H

#include <stddef.h>
#include <stdint.h>

#include "cprof/roots.h"

struct symbolizer_config {
	int inlines;             /* expand inlined calls into frames */
	int lines;               /* find each frame's source position */
	int demangle;
	const char *debug_path;  /* libdwfl debuginfo_path; NULL: default */
};

enum module_status {
	MODULE_OK,
	MODULE_MISSING,          /* cannot open the file */
	MODULE_NOT_ELF,
	MODULE_BUILD_ID_MISMATCH,/* the file changed since the recording */
};

struct symbolizer;

int symbolizer_new(const struct symbolizer_config *cfg, struct symbolizer **out);
void symbolizer_free(struct symbolizer *s);

/*
 * Id of the binary PATH recorded with BUILD_ID (may be empty). Opened lazily
 * with binsource_open: PATH is a name binsource_for_report gave.
 */
int symbolizer_module(struct symbolizer *s, const char *path,
		      const unsigned char *build_id, size_t build_id_len, uint32_t *mod);
/*
 * The same for a binary already open at FD (our vDSO copy): NAME is only its
 * name. FD is borrowed until symbolizer_free; the module reads a duplicate.
 */
int symbolizer_module_fd(struct symbolizer *s, const char *name, int fd,
			 const unsigned char *build_id, size_t build_id_len, uint32_t *mod);
enum module_status symbolizer_module_status(struct symbolizer *s, uint32_t mod);
/* Path of MOD (borrowed). */
const char *symbolizer_module_path(const struct symbolizer *s, uint32_t mod);

struct module_info {
	const char *path;        /* borrowed */
	char build_id[129];      /* hex, "" if none recorded */
	int used;                /* some lookup needed it */
	enum module_status status;
	int has_symbols, has_debuginfo;
};

uint32_t symbolizer_module_count(const struct symbolizer *s);
/* What is known of MOD; looks for debug info if it was used. */
void symbolizer_module_info(struct symbolizer *s, uint32_t mod, struct module_info *info);

/*
 * Load bias of a mapping of MOD at START with file offset PGOFF (an
 * address there minus the bias is an ELF vaddr). -ENOENT if MOD is
 * unusable or PGOFF is in none of its segments.
 */
int symbolizer_bias(struct symbolizer *s, uint32_t mod, uint64_t start, uint64_t pgoff,
		    uint64_t *bias);

/* Bit set on a name id that is an inlined frame (for "_[i]" annotation). */
#define SYM_INLINED 0x80000000u
#define SYM_NO_LINE UINT32_MAX

struct sym_frame {
	uint32_t name;           /* string id, | SYM_INLINED for inlined calls */
	uint32_t mangled;        /* the symbol's own spelling (no version); == name if not mangled */
	uint32_t file;           /* source file string id, or SYM_NO_LINE */
	uint32_t line;           /* line number, 0 unknown */
	uint32_t start_line;     /* the function's declaration line, 0 unknown */
};

/*
 * Frames for VADDR in MOD: *N of them, outermost first (more than one
 * when inlined calls are expanded), *N == 0 when no symbol covers it.
 * A frame's file and line are the position reached in that function (with
 * config.lines): the call site of the next inlined frame, or VADDR's own
 * line for the innermost.
 * IS_RETURN: VADDR is a return address, looked up at VADDR - 1. The
 * array is borrowed until the next lookup.
 */
int symbolizer_lookup(struct symbolizer *s, uint32_t mod, uint64_t vaddr, int is_return,
		      const struct sym_frame **frames, size_t *n);

/*
 * Whether VADDR in MOD (IS_RETURN as for symbolizer_lookup) is where stacks
 * end: the entry point's _start or a function of cprof/roots.h.
 */
enum root_kind symbolizer_root(struct symbolizer *s, uint32_t mod, uint64_t vaddr,
			       int is_return);

/* The string of a name or line id (ignores SYM_INLINED); borrowed. */
const char *symbolizer_str(const struct symbolizer *s, uint32_t id);

#endif
