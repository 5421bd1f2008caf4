/*
 * Naming address chains: the one place that turns (process, chain of
 * addresses) into profile frames, for the report's resolver and the live
 * view of `cprof top` alike. It replays the processes' mappings
 * (addrspace.h), names user frames with the symbolizer (inlined calls
 * expanded), JIT frames from perf maps and kernel frames from the kernel
 * symbols it was given, and interns the frames and stacks into a profile.
 *
 * Not thread-safe: one thread feeds and asks it. Naming an address the
 * first time may be slow (a big debug file is opened); later lookups of
 * it are cached by the symbolizer.
 */
#ifndef CPROF_NAMER_H
#define CPROF_NAMER_H

#include <stddef.h>
#include <stdint.h>

#include "cprof/datafile.h"
#include "cprof/profile.h"
#include "cprof/pyframes.h"
#include "cprof/roots.h"

struct namer_config {
	int inlines;             /* expand inlined calls into frames */
	int lines;               /* find source files and lines */
	int demangle;
	const char *debug_path;
};

/* What the namer noticed of a binary that names frames poorly. */
enum namer_note_kind {
	NAMER_CHANGED = 1,       /* changed since the recording (build-id differs): its frames
				    are [module+0xoffset] */
	NAMER_CACHE_REFUSED,     /* its copy in the build-id cache was not used (binsource.h) */
	NAMER_MISSING,           /* file not found */
	NAMER_NOT_ELF,           /* not an ELF file */
	NAMER_NO_SYMBOLS,
	NAMER_NO_DEBUGINFO,      /* symbols, but no inline frames or lines */
};

struct namer_note {
	enum namer_note_kind kind;
	const char *path;        /* as the target named it: not safe to print as is */
	char build_id[129];      /* hex, "" if none */
};

struct namer;

/*
 * A namer adding frames and stacks to PROF (borrowed: it must outlive the
 * namer). Returns 0 or -errno.
 */
int namer_new(const struct namer_config *cfg, struct profile *prof, struct namer **out);
void namer_free(struct namer *n);

/*
 * Add frames and stacks to PROF from now on, a new, empty profile (borrowed
 * like the first): it is given the modules of the last one at the same ids,
 * and locations start anew. What the namer knows of binaries, mappings and
 * JIT code is kept. Returns 0 or -errno (then the namer still uses the
 * last profile).
 */
int namer_set_profile(struct namer *n, struct profile *prof);

/* The process MM->pid mapped a file (or anonymous memory). */
int namer_mmap(struct namer *n, const struct df_mmap *mm);
/* PID was forked from PPID and starts with a copy of its mappings. */
int namer_fork(struct namer *n, uint32_t ppid, uint32_t pid);
/* PID exec'd: it has no mappings. */
int namer_exec(struct namer *n, uint32_t pid);
/*
 * A chunk of PM->pid's perf map (JIT symbols). The chunks of one recording
 * add up; the first chunk of a process in a later recording (see
 * namer_new_recording) replaces what the earlier ones sent.
 */
int namer_perfmap(struct namer *n, const struct df_perfmap *pm);
/*
 * Another recording of the same processes follows (`cprof serve`'s next
 * request): each recording sends a process's whole perf map again, so the
 * perf map it sends replaces the last one instead of adding to it.
 */
void namer_new_recording(struct namer *n);
/* A kernel function at [START, START + SIZE) (SIZE 0: up to the next one); NAME copied. */
int namer_ksym(struct namer *n, uint64_t start, uint64_t size, const char *name);

/*
 * What names a Python code object (copied). Chains name code objects by
 * their ids (DF_CONTEXT_PYTHON), and the recorder sends a code object's
 * record before the first chain that uses it.
 */
int namer_pycode(struct namer *n, const struct df_pycode *code);
/* What names a JavaScript function (copied), as namer_pycode() for DF_CONTEXT_JS (jsframes.h). */
int namer_jsfunc(struct namer *n, const struct df_jsfunc *func);
/* How many native frames namer_chain() named as JavaScript functions read from V8's memory. */
uint64_t namer_js_frames(const struct namer *n);

/* How the Python frames of the profile stack STACK (named by namer_chain) stood. */
enum pyframes_fit namer_python_fit(const struct namer *n, uint32_t stack);

/* Changes whenever PID's mappings do: a chain named before may name differently after. */
uint32_t namer_gen(const struct namer *n, uint32_t pid);
/*
 * The profile stack id of CHAIN (LEN addresses, leaf first, with perf's
 * PERF_CONTEXT_* markers) in process PID, as mapped now; its Python
 * frames (DF_CONTEXT_PYTHON) stand where the interpreter ran them, by the
 * rule of pyframes.h. Returns 0 or -errno.
 */
int namer_chain(struct namer *n, uint32_t pid, const uint64_t *chain, size_t len,
		uint32_t *stack);

/* Id of the label ("[libc.so.6]") of PID's mapping at ADDR; UINT32_MAX if none. */
uint32_t namer_label_at(const struct namer *n, uint32_t pid, uint64_t addr);
/*
 * Whether PID's code at ADDR (a return address if IS_RETURN) is where
 * stacks begin or switch (roots.h); ROOT_NONE if not, or not known.
 */
enum root_kind namer_root_at(struct namer *n, uint32_t pid, uint64_t addr, int is_return);
/* The label of ID (borrowed until namer_free); "[unknown]" for UINT32_MAX. */
const char *namer_label(const struct namer *n, uint32_t id);
/* How many build-ids had a copy in the build-id cache that was not used (binsource.h). */
uint64_t namer_cache_refused(const struct namer *n);
/*
 * The I'th warning noticed while naming (NAMER_CHANGED, NAMER_CACHE_REFUSED;
 * one per binary), in the order noticed, into *OUT (strings borrowed until
 * namer_free()). Returns 0, or -ENOENT past the last.
 */
int namer_warning(const struct namer *n, size_t i, struct namer_note *out);
/*
 * The I'th binary used so far whose symbols are missing or poor (kinds
 * NAMER_MISSING .. NAMER_NO_DEBUGINFO, or NAMER_CHANGED), into *OUT
 * (strings borrowed until namer_free()). Returns 0, 1 for a binary with
 * nothing to say (go on with I + 1), or -ENOENT past the last.
 */
int namer_module_note(const struct namer *n, size_t i, struct namer_note *out);

#endif
