/*
 * V8's JavaScript frames read from a node process's memory, by the
 * postmortem metadata V8 builds into node: its v8dbg_* dynamic symbols
 * (tools/gen-postmortem-metadata.py), each an int holding a constant of
 * this very build (a frame slot's offset, a field's offset, a type's
 * number). Nothing about a V8 version is built into cprof; a node whose
 * metadata lacks a constant needed, or that uses pointer compression, is
 * refused with -EPROTONOSUPPORT.
 *
 * A JavaScript frame is a standard frame: at FP-8 its context (a tagged
 * heap object; a typed frame of V8's, an entry, exit or stub frame, holds
 * a frame-type marker there, a small integer), at FP-16 its JSFunction.
 * The function leads to its SharedFunctionInfo (SFI), which names it: a
 * String, or a ScopeInfo holding the name (its layout is not in the
 * metadata: the first string after the context locals is taken, as the
 * OpenTelemetry profiler does), and leads to its Script, whose name is the
 * file. Strings read: sequential one- and two-byte, cons, thin, sliced.
 *
 * V8's garbage collector moves objects: an address read at a sample may
 * hold another object, a forwarding word or free space when it is read.
 * Every object is checked by its map (the SFI's and the strings' maps are
 * in V8's read-only space, which never moves), and an SFI's identity is
 * checked by a fingerprint of the fields its names come from, so that a
 * caller may cache names per SFI address (v8_function()'s KEY).
 *
 * The memory is untrusted: every read goes through procmem (per-read cap,
 * byte budget), strings are cut at the caller's buffer, cons strings are
 * followed V8_STRING_DEPTH deep. Only 64-bit little-endian targets.
 */
#ifndef CPROF_V8_H
#define CPROF_V8_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define V8_NAME_MAX 256          /* bytes of a function name, NUL included */
#define V8_FILE_MAX 1024         /* bytes of a script name, NUL included */
#define V8_STRING_DEPTH 8        /* cons, thin and sliced strings followed */

struct procmem;
struct v8;

/*
 * The reader of PID's V8 (the node binary or libnode it maps, with its
 * v8dbg_* symbols). Returns 0, -ENOENT when PID maps no node, -EPROTONOSUPPORT
 * (no metadata, or metadata cprof cannot use), -ESRCH, -EPERM or -errno.
 */
int v8_new(pid_t pid, struct v8 **out);
void v8_free(struct v8 *v);

/* The value of the constant NAME ("v8dbg_TaggedSize"...) into *VALUE: 0, or -ENOENT if absent. */
typedef int (*v8_const_fn)(const char *name, int32_t *value, void *arg);

/*
 * The reader of the V8 in the memory MEM (taken: freed by v8_free, or
 * here on failure) whose constants VALUE(ARG) gives; v8_new() uses it on
 * a process, a test on a crafted image. Returns 0, VALUE's error,
 * -EPROTONOSUPPORT (constants cprof cannot use) or -ENOMEM.
 */
int v8_open(struct procmem *mem, v8_const_fn value, void *arg, struct v8 **out);

/* The offsets of the context (or frame-type marker) and function slots from a frame's FP. */
void v8_frame_slots(const struct v8 *v, int *context, int *function);

/*
 * The frame whose context slot held CONTEXT and function slot FUNCTION (as
 * the sample saw them): when it is a JavaScript frame, its SFI's address
 * into *SFI and a fingerprint of the SFI's naming fields (never 0) into
 * *KEY: the same (SFI, KEY) names the same function. Returns 0, -ENOENT
 * (not a JavaScript frame, or an object that moved), or a read's error.
 * Begins a procmem walk (one byte budget per call).
 */
int v8_function(struct v8 *v, uint64_t context, uint64_t function, uint64_t *sfi, uint32_t *key);

/*
 * The names of the function of SFI: NAME ("(anonymous)" if it has none)
 * and FILE (its script's name, "" if none). Returns 0, -ENOENT (not an
 * SFI any more) or a read's error.
 */
int v8_names(struct v8 *v, uint64_t sfi, char name[V8_NAME_MAX], char file[V8_FILE_MAX]);

#endif
