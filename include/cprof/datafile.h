/*
 * The cprof data file: a 16-byte header followed by a stream of
 * self-sized records (see docs/data-format.md). Written append-only, so a
 * recording cut short reads back up to its last complete record.
 */
#ifndef CPROF_DATAFILE_H
#define CPROF_DATAFILE_H

#include <stddef.h>
#include <stdint.h>

#define DATAFILE_MAGIC "CPROFDAT"
#define DATAFILE_VERSION 1
#define DF_BUILD_ID_MAX 20

enum df_type {
	DF_META = 1,
	DF_COMM = 2,
	DF_MMAP = 3,
	DF_FORK = 4,
	DF_EXIT = 5,
	DF_STACK = 6,
	DF_SAMPLE = 7,
	DF_LOST = 8,
	DF_FINISH = 9,
	DF_PERFMAP = 10,
	DF_KSYM = 11,
	DF_WSAMPLE = 12,
	DF_PYCODE = 13,
	DF_JSFUNC = 14,
	DF_CONTAINER = 15,
	DF_TYPE_LAST = DF_CONTAINER, /* the newest type this cprof writes */
};

/* Why an unwound user stack ended before its outermost frame. */
enum df_trunc {
	DF_TRUNC_NONE = 0,
	DF_TRUNC_STACK_COPY = 1, /* needed memory beyond the copied stack */
	DF_TRUNC_NO_CFI = 2,     /* no unwind info and no usable frame pointer */
	DF_TRUNC_BAD_READ = 3,   /* unmapped memory or unknown module */
	DF_TRUNC_DEPTH = 4,      /* frame limit reached */
	DF_TRUNC_NO_USER = 5,    /* no user registers (kernel thread) */
	DF_TRUNC_OTHER_STACK = 6,/* the caller is on a stack that was not copied (Go's vDSO calls) */
};

enum df_mode { DF_MODE_FP = 0, DF_MODE_DWARF = 1 };

/* What a recording holds beside CPU samples (META), and the view it was made for. */
enum df_offcpu {
	DF_OFFCPU_NONE = 0,
	DF_OFFCPU_ON = 1,        /* --off-cpu: weighted samples of blocked and run-queue time */
	DF_OFFCPU_WALL = 2,      /* --wall: the same, meant to be viewed as wall time */
};

struct df_meta {
	uint32_t freq, mode, stack_size, kernel;
	uint64_t start_realtime_ns;
	const char *cmdline, *hostname, *release;
	uint32_t offcpu;         /* enum df_offcpu; absent in older files: 0 */
};

struct df_comm {
	uint32_t pid, tid, exec;
	uint64_t time;
	const char *comm;
};

struct df_mmap {
	uint32_t pid, tid;
	uint64_t time, start, len, pgoff;
	uint32_t build_id_size;
	unsigned char build_id[DF_BUILD_ID_MAX];
	const char *path;        /* as the process sees it */
	const char *host_path;   /* "/proc/PID/root/..." for a process in another root, else "" */
};

struct df_task {             /* DF_FORK, DF_EXIT */
	uint32_t pid, ppid, tid, ptid;
	uint64_t time;
};

struct df_stack {
	uint32_t id, trunc, n;
	const uint64_t *ips;     /* leaf first, perf PERF_CONTEXT_* markers kept */
};

struct df_sample {
	uint64_t time;
	uint32_t pid, tid, stack_id, cpu;
};

/* What the value of a weighted sample is. */
enum df_wkind {
	DF_WS_OFFCPU = 1,        /* blocked: switched out not runnable, until switched in */
	DF_WS_RUNQ = 2,          /* preempted while runnable, until switched in */
};

struct df_wsample {          /* DF_WSAMPLE: an interval of a thread, with the stack it began at */
	uint64_t time;           /* its start */
	uint64_t value;          /* nanoseconds */
	uint32_t pid, tid, stack_id, cpu, kind;
};

struct df_lost {
	uint64_t time, count;
};

struct df_finish {
	uint64_t time, samples, lost, recorder_cpu_ns, duration_ns;
	uint32_t threads, processes;
	/*
	 * Appended later (0 when a file's FINISH ends before them): with
	 * DF_FINISH_ALL (record -a), the samples not recorded by its rules
	 * (cprof's, kernel threads', other names', excluded processes'), the
	 * processes with samples recorded, those whose mappings were read
	 * from /proc (reread: again, their unwinding state dropped meanwhile)
	 * or could not be (unreadable: their samples keep the sampled
	 * address alone), and the unwinding states dropped past
	 * max_processes.
	 */
	uint32_t flags;
	uint32_t max_processes;
	uint64_t filtered, dropped;
	uint32_t host_processes, read, reread, unreadable;
};

#define DF_FINISH_ALL 1u         /* df_finish.flags: recorded with -a */

struct df_perfmap {          /* a chunk of /tmp/perf-PID.map, whole lines */
	uint32_t pid;
	uint32_t len;
	const char *text;        /* not NUL-terminated */
};

struct df_ksym {             /* a kernel function a recorded stack uses */
	uint64_t start, size;
	const char *name;
};

/*
 * Python frames read from the interpreter's memory follow the native ones
 * in a stack's chain, after the marker DF_CONTEXT_PYTHON (which is above
 * PERF_CONTEXT_MAX, as perf's markers are), innermost first, one u64 each:
 * a code object's id (DF_PYCODE) in bits 63-32, DF_PYFRAME_ENTRY when the
 * frame began a run of the evaluation loop (cpython.h), the line below.
 */
#define DF_CONTEXT_PYTHON ((uint64_t)-4000)
#define DF_PYFRAME_ENTRY (1u << 31)
#define DF_PYFRAME_LINE 0x7fffffffu
#define DF_PYFRAME(code, line, entry) \
	(((uint64_t)(code) << 32) | ((line) & DF_PYFRAME_LINE) | ((entry) ? DF_PYFRAME_ENTRY : 0))

/*
 * JavaScript functions read from V8's memory (node without a perf map)
 * follow the native frames in a stack's chain, after the marker
 * DF_CONTEXT_JS and before any Python part: one u64 per native frame that
 * was a JavaScript frame, innermost first: a function's id (DF_JSFUNC) in
 * bits 63-32, the index in the chain of the native frame it names below.
 */
#define DF_CONTEXT_JS ((uint64_t)-4001)
#define DF_JSFRAME(func, index) (((uint64_t)(func) << 32) | (uint32_t)(index))

/* How many of the N entries of a chain are native (before DF_CONTEXT_JS or DF_CONTEXT_PYTHON). */
static inline size_t df_native_len(const uint64_t *ips, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ips[i] == DF_CONTEXT_PYTHON || ips[i] == DF_CONTEXT_JS)
			return i;
	return n;
}

/*
 * The part of a chain of N entries after MARKER (DF_CONTEXT_JS or
 * DF_CONTEXT_PYTHON): its first entry's index into *START, its length
 * returned (0 when the chain has none).
 */
static inline size_t df_chain_part(const uint64_t *ips, size_t n, uint64_t marker, size_t *start)
{
	size_t i, j;

	*start = n;
	for (i = df_native_len(ips, n); i < n && ips[i] != marker; i++)
		;
	if (i == n)
		return 0;
	for (j = i + 1; j < n && ips[j] != DF_CONTEXT_PYTHON && ips[j] != DF_CONTEXT_JS; j++)
		;
	*start = i + 1;
	return j - i - 1;
}

struct df_pycode {           /* DF_PYCODE: what names a Python code object of process PID */
	uint32_t pid, id;        /* ID: its number in this recording, > 0, unique across processes */
	uint32_t firstlineno;
	const char *qualname, *filename;
};

/* DF_JSFUNC: what names a JavaScript function of process PID; df_pycode's layout (one codec) */
struct df_jsfunc {
	uint32_t pid, id;        /* ID: its number in this recording, > 0, unique across processes */
	uint32_t line;           /* where it starts; 0 unknown */
	const char *name, *file; /* FILE: its script's name, "" if unknown */
};
_Static_assert(sizeof(struct df_jsfunc) == sizeof(struct df_pycode) &&
	       offsetof(struct df_jsfunc, file) ==
		       offsetof(struct df_pycode, filename),
	       "DF_JSFUNC is coded as DF_PYCODE");

/*
 * DF_CONTAINER: the container (or systemd unit) process PID runs in, read
 * from /proc/PID/cgroup when it is first sampled (record -a); its new
 * processes inherit it. ID: a container's hex id (docker, containerd,
 * cri-o, podman) or a unit's name ("nginx.service").
 */
struct df_container {
	uint32_t pid;
	const char *id;
};

struct df_record {
	enum df_type type;
	union {
		struct df_meta meta;
		struct df_comm comm;
		struct df_mmap mmap;
		struct df_task task;
		struct df_stack stack;
		struct df_sample sample;
		struct df_wsample wsample;
		struct df_lost lost;
		struct df_finish finish;
		struct df_perfmap perfmap;
		struct df_ksym ksym;
		struct df_pycode pycode;
		struct df_jsfunc jsfunc;
		struct df_container container;
	};
};

struct buf;

/*
 * Append REC to OUT as the data file holds it: an 8-byte header (type,
 * size) and the payload. Returns 0, -E2BIG for a record over the format's
 * limit, or -ENOMEM (OUT then holds a partial record: cut it back).
 */
int df_encode(const struct df_record *rec, struct buf *out);
/*
 * Decode the record df_encode() wrote at P (N bytes, header included)
 * into REC, whose pointers then point into P. P must sit 4 bytes past an
 * 8-byte boundary, so that a STACK's addresses are aligned in place.
 * Returns 0, -ENOENT for a type this cprof does not know, -EBADMSG.
 */
int df_decode(const void *p, size_t n, struct df_record *rec);

struct df_writer;

/*
 * Start a data file for PATH under the output policy of safefile.h: it is
 * written aside and appears at PATH on df_writer_commit() (a regular file
 * there is first renamed PATH.old). Returns 0 or -errno (-ELOOP: PATH is
 * a symbolic link; -EISDIR, -ENXIO: a directory, FIFO or socket).
 */
int df_writer_new(const char *path, struct df_writer **out);
/*
 * The recording has started: flush and move the file to PATH. Further
 * records go on into it. A second call does nothing. Returns 0 or -errno.
 */
int df_writer_commit(struct df_writer *w);
/* Append REC. Errors are sticky: after one, every call returns it. */
int df_write(struct df_writer *w, const struct df_record *rec);
/* Push buffered records to the file (each call ends on a record boundary). */
int df_flush(struct df_writer *w);
uint64_t df_bytes(const struct df_writer *w);
/* Flush, commit and close; returns the first error seen, if any. Accepts NULL. */
int df_writer_free(struct df_writer *w);
/*
 * Give up before the commit: close and remove the file; nothing at PATH
 * has changed, so a failed start costs no data. Accepts NULL.
 */
void df_writer_discard(struct df_writer *w);

struct df_reader;

/*
 * Open PATH for reading: a regular file only, see safefile_open_input().
 * Returns 0, -errno from open (-EISDIR, -ENXIO for a FIFO or device), or
 * -EPROTO when the file is not a cprof data file, -EPROTONOSUPPORT for a
 * newer version, -EILSEQ for version 0 (not a valid version), -EOVERFLOW
 * for a header size out of range (damaged).
 */
int df_reader_new(const char *path, struct df_reader **out);
/*
 * Next record into REC (its pointers are borrowed until the next call).
 * Returns 1, 0 at a clean end of file, -EBADMSG when the file ends inside
 * a record (a cut-short recording), or -errno. Damage mid-file is passed
 * over: df_read() resynchronises on the next valid record (see
 * df_reader_skipped()).
 */
int df_read(struct df_reader *r, struct df_record *rec);
/*
 * Records passed over in a damaged file: whole ones that did not decode,
 * and spans of damage (a corrupted size) resynchronised past, one each.
 */
uint64_t df_reader_skipped(const struct df_reader *r);
/* Bytes of the damaged spans df_read() resynchronised past. */
uint64_t df_reader_skipped_bytes(const struct df_reader *r);
/*
 * Bytes the reader has read from the file and examined so far (each
 * offset a resynchronisation tried, what decoding touched, what was
 * copied out): linear in the file's size whatever it holds. For tests.
 */
uint64_t df_reader_work(const struct df_reader *r);
void df_reader_free(struct df_reader *r);

#endif
