#include "cprof/gochain.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/gobin.h"
#include "cprof/gopcln.h"
#include "cprof/gostack.h"
#include "cprof/util.h"

/* x86-64: CALL rel32 */
#define CALL_REL32 0xe8
#define CALL_LEN 5
/* A function longer than this is not searched for its calls (Go's longest are tens of KiB). */
#define MAX_FUNC (256u << 10)
/* The calls of systemstack one function may hold that are told apart. */
#define MAX_SITES 16

/* A binary's pclntab: state 0 not read yet, 1 read, -1 none. */
struct gofile {
	int state;
	int fd;
	Elf *elf;
	struct gopcln *pcln;
};

/* Pages of a goroutine's stack below its frame searched for a return address. */
#define SCAN_PAGES 2
/* x86-64 DWARF register numbers */
enum { R_RSP = 7, R_RIP = 16 };
#define PAGE 4096u

struct gochain {
	struct gofile *files;    /* by the unwinder's file index */
	size_t capfiles;
	struct pairmap *outer;   /* (file, closure entry) -> where it was written + 1, 1: none */
	uint64_t page[PAGE / 8]; /* one page of a goroutine's stack */
};

int gochain_new(struct gochain **out)
{
	struct gochain *gc = calloc(1, sizeof(*gc));

	if (!gc || pairmap_new(&gc->outer)) {
		free(gc);
		return -ENOMEM;
	}
	*out = gc;
	return 0;
}

void gochain_free(struct gochain *gc)
{
	size_t i;

	if (!gc)
		return;
	for (i = 0; i < gc->capfiles; i++)
		if (gc->files[i].state > 0) {
			gopcln_free(gc->files[i].pcln);
			gobin_close(gc->files[i].fd, gc->files[i].elf);
		}
	free(gc->files);
	pairmap_free(gc->outer);
	free(gc);
}

/* The pclntab of the binary FILE at PATH, read at its first switch; NULL: none. */
static struct gopcln *file_pcln(struct gochain *gc, uint32_t file, const char *path)
{
	struct gofile *f;

	if (array_reserve(&gc->files, &gc->capfiles, (size_t)file + 1, sizeof(*gc->files)))
		return NULL;
	f = &gc->files[file];
	if (!f->state) {
		f->state = -1;
		if ((f->fd = gobin_open(path, &f->elf)) < 0)
			return NULL;
		if (gopcln_new(f->elf, &f->pcln)) {
			gobin_close(f->fd, f->elf);
			return NULL;
		}
		f->state = 1;
	}
	return f->state > 0 ? f->pcln : NULL;
}

static int32_t rel32(const unsigned char *p)
{
	int32_t v;

	memcpy(&v, p, sizeof(v)); /* x86-64: little-endian */
	return v;
}

/* The function the call before the return address RET (ELF vaddr) called: its entry, or 0. */
static uint64_t callee(struct gopcln *pcln, uint64_t ret)
{
	const unsigned char *code = ret > CALL_LEN ? gopcln_bytes(pcln, ret - CALL_LEN, CALL_LEN)
						   : NULL;
	uint64_t target, entry, end;

	if (!code || code[0] != CALL_REL32)
		return 0;
	target = ret + (uint64_t)(int64_t)rel32(code + 1);
	if (gopcln_func(pcln, target, &entry, &end) || entry != target)
		return 0;
	return entry;
}

/*
 * The return addresses (ELF vaddrs) of the calls of [START, END) in the
 * function at ENTRY, at most MAX_SITES of them into SITES. Returns how
 * many there are.
 */
static size_t calls_of(struct gopcln *pcln, uint64_t entry, uint64_t start, uint64_t end,
		       uint64_t sites[MAX_SITES])
{
	uint64_t fentry, fend, k;
	const unsigned char *code;
	size_t n = 0;

	if (gopcln_func(pcln, entry, &fentry, &fend) || fend - fentry > MAX_FUNC ||
	    !(code = gopcln_bytes(pcln, fentry, fend - fentry)))
		return 0;
	for (k = 0; k + CALL_LEN <= fend - fentry; k++) {
		uint64_t ret = fentry + k + CALL_LEN, target;

		if (code[k] != CALL_REL32)
			continue;
		target = ret + (uint64_t)(int64_t)rel32(code + k + 1);
		if (target >= start && target < end && n < MAX_SITES)
			sites[n++] = ret;
	}
	return n;
}

/*
 * The return address (ELF vaddr) at the goroutine's SP as it is now, in
 * the function whose frame pointer is BP: the first word below BP that is
 * a return address into a function whose frame size there puts its frame
 * pointer at BP. While that function runs, its last call's, the call of
 * systemstack if it is still in it. 0 if not found.
 */
static uint64_t scan_caller(struct gochain *gc, struct gopcln *pcln, pid_t pid, uint64_t bias,
			    uint64_t bp)
{
	uint64_t hi = bp, lo, addr, entry, end;
	int32_t frame;
	unsigned p;

	for (p = 0; p < SCAN_PAGES && hi > PAGE; p++, hi = lo) {
		lo = (hi - 1) & ~(uint64_t)(PAGE - 1);
		if (gostack_peek(pid, lo, gc->page, hi - lo))
			return 0;
		for (addr = hi - 8; addr >= lo && addr < hi; addr -= 8) {
			uint64_t v = gc->page[(addr - lo) / 8] - bias;

			if (!gopcln_func(pcln, v, &entry, &end) && v > entry &&
			    !gopcln_spdelta(pcln, v, &frame) && frame > 0 &&
			    (uint64_t)frame == bp - addr)
				return v;
		}
	}
	return 0;
}

/* The length of NAME (LEN bytes) less its last dotted part if that is PREFIX then digits, else 0. */
static size_t strip_part(const char *name, size_t len, const char *prefix)
{
	size_t i = len, plen = strlen(prefix);

	while (i && name[i - 1] >= '0' && name[i - 1] <= '9')
		i--;
	if (i == len || i < plen + 1 || memcmp(name + i - plen, prefix, plen) ||
	    name[i - plen - 1] != '.')
		return 0;
	return i - plen - 1;
}

/*
 * The function the closure at FN (an ELF vaddr) of FILE was written in,
 * where systemstack(func() { ... }) calls it: Go names a closure
 * OUTER.funcN, one in a closure OUTER.funcN.M. Its entry, or 0; what was
 * found is kept per closure.
 */
static uint64_t closure_outer(struct gochain *gc, struct gopcln *pcln, uint32_t file, uint64_t fn)
{
	uint64_t closure, end, outer = 0, *known;
	const char *name;
	size_t len;

	if (gopcln_func(pcln, fn, &closure, &end) ||
	    !(known = pairmap_slot(gc->outer, file, closure, 0)))
		return 0;
	if (*known)
		return *known - 1;
	len = (name = gopcln_name(pcln, closure)) ? strlen(name) : 0;
	if (len && !(len = strip_part(name, len, "")))
		len = strip_part(name, strlen(name), "func");
	/* a search of the whole table, once per closure */
	if (len && gopcln_find_name(pcln, name, len, &outer))
		outer = 0;
	*known = outer + 1;
	return outer;
}

/* STOP, and what the walk and the sample say of it. */
struct at {
	const struct gochain_stop *stop;
	uint64_t pc;             /* the return address into it the walk found */
	uint64_t bp;             /* the frame pointer of the function that called it, 0 unknown */
	uint64_t inner;          /* the walk's frame before (a pc of the function it called), 0 none */
	uint64_t sig_pc;         /* JUMP_SIGNAL: the pc the signal interrupted */
};

/*
 * A frame the chain lacks: the chain holds a return address into a
 * function with no frame of its own at it, [START, END) (ELF vaddrs), so
 * the return address into the function that called it is in no chained
 * frame. NEXT is the chain's next one, into that caller's caller. At the
 * switch itself INNER (a pc of the function systemstack called) and BP
 * (the frame pointer of the function that called systemstack) tell more;
 * 0 when not known.
 */
struct gap {
	uint64_t start, end, next, inner, bp;
};

/* The return address (runtime) into the function that called the frameless one, or 0. */
static uint64_t gap_caller(struct gochain *gc, struct gopcln *pcln, pid_t pid,
			   const struct gochain_stop *stop, const struct gap *g)
{
	uint64_t sites[MAX_SITES], fn, now = 0, entry, end;
	int32_t frame;
	size_t n = 0, i;

	/*
	 * That caller: named by its caller's call (direct), else by the
	 * closure it handed systemstack, else by its frame as it is now.
	 */
	if (g->next > stop->bias && (fn = callee(pcln, g->next - stop->bias)))
		n = calls_of(pcln, fn, g->start, g->end, sites);
	if (!n && g->inner > stop->bias &&
	    (fn = closure_outer(gc, pcln, stop->file, g->inner - stop->bias)))
		n = calls_of(pcln, fn, g->start, g->end, sites);
	if (!n && g->bp && (now = scan_caller(gc, pcln, pid, stop->bias, g->bp)) &&
	    !gopcln_func(pcln, now, &entry, &end))
		n = calls_of(pcln, entry, g->start, g->end, sites);
	if (!n)
		return 0;
	/* of several calls, the one whose return address is at its SP still, else the first */
	if (n > 1 && !now && g->bp && !gopcln_spdelta(pcln, sites[0], &frame) &&
	    g->bp > (uint64_t)frame &&
	    !gostack_peek(pid, g->bp - (uint64_t)frame, &now, sizeof(now)))
		now -= stop->bias;
	for (i = 0; i < n; i++)
		if (now == sites[i])
			return now + stop->bias;
	return sites[0] + stop->bias;
}

/*
 * Whether PC (runtime; a return address if RET) is in a Go function with
 * no frame at it, whose caller the chain therefore lacks: its bounds.
 */
static int frameless(struct gopcln *pcln, uint64_t bias, uint64_t pc, int ret, uint64_t *start,
		     uint64_t *end)
{
	int32_t frame;

	return pc > bias + 1 && !gopcln_func(pcln, pc - bias - (ret != 0), start, end) &&
	       !gopcln_spdelta(pcln, pc - bias, &frame) && frame == 0;
}

/* Whether the call before RET (runtime) called the function at [START, END) (ELF vaddrs). */
static int calls(struct gopcln *pcln, uint64_t bias, uint64_t ret, uint64_t start, uint64_t end)
{
	uint64_t fn = ret > bias ? callee(pcln, ret - bias) : 0;

	return fn >= start && fn < end;
}

/* The frames past AT from the kernel's chain FP: 1 if appended, 0 if the chain holds no such switch. */
static int splice(struct gochain *gc, pid_t pid, const uint64_t *fp, size_t nfp,
		  const struct at *at, uint64_t *ips, size_t max, size_t *n)
{
	const struct gochain_stop *stop = at->stop;
	struct gap g = { 0 };
	struct gopcln *pcln = file_pcln(gc, stop->file, stop->path);
	uint64_t caller;
	size_t j;

	/*
	 * The chain's frames past the switch follow the return address the
	 * walk stopped at; past a signal, the one into the signal handler:
	 * its first Go frame saved the BP of the code the signal interrupted.
	 */
	for (j = 0; j < nfp && fp[j] != (stop->how == JUMP_SIGNAL ? at->inner : at->pc); j++)
		;
	if (stop->how == JUMP_SIGNAL) {
		if (j >= nfp || !at->inner || !at->sig_pc || !*n)
			return 0;
		/* a handler with a frame (Go's sigtramp) chains its return: the restorer, no call */
		if (j + 1 < nfp && fp[j + 1] == at->pc)
			j++;
		ips[*n - 1] = at->sig_pc;
		/* interrupted in a prologue or a frameless function: its caller is a gap */
		if (!pcln || !frameless(pcln, stop->bias, at->sig_pc, 0, &g.start, &g.end))
			g.start = g.end = 0;
	} else if (stop->how == JUMP_SYSTEMSTACK) {
		if (j >= nfp)
			return 0;
		/* systemstack has no frame: the function that called it is a gap to fill */
		g = (struct gap){ stop->start, stop->end, 0, at->inner, at->bp };
	} else if (j == 0 || j >= nfp) {
		/*
		 * A vDSO function that keeps no frame pointer (or the sample in
		 * the Go function that called it): the chain goes on from the
		 * sample's pc at that function's caller, if that called it.
		 */
		if (!pcln || nfp < 2 || !calls(pcln, stop->bias, fp[1], stop->start, stop->end))
			return 0;
		j = 0;
	}
	for (j++; j < nfp && *n < max; j++) {
		g.next = fp[j];
		if (pcln && g.end > g.start && (caller = gap_caller(gc, pcln, pid, stop, &g)) &&
		    *n + 1 < max)
			ips[(*n)++] = caller;
		ips[(*n)++] = fp[j];
		/* a frameless function further on (gcWriteBarrierCX, systemstack) hides its caller too */
		g.inner = *n > 1 ? ips[*n - 2] : 0;
		g.bp = 0;
		if (!pcln || !frameless(pcln, stop->bias, fp[j], 1, &g.start, &g.end))
			g.start = g.end = 0;
	}
	return 1;
}

static int copied_word(const struct gostack_copy *copy, uint64_t addr, uint64_t *out)
{
	if (addr < copy->sp || addr - copy->sp > copy->size || copy->size - (addr - copy->sp) < 8)
		return 0;
	memcpy(out, copy->bytes + (addr - copy->sp), sizeof(*out));
	return 1;
}

enum gochain_way gochain_cross(struct gochain *gc, struct gostack *gs,
			       const struct gochain_sample *s, const struct gochain_stop *stop,
			       const uint64_t regs[17], uint64_t *ips, size_t max, size_t *n,
			       uint64_t resume[17])
{
	struct at at = { stop, ips[*n - 1], s->bp, *n > 1 ? ips[*n - 2] : 0, 0 };

	if (stop->how == JUMP_NONE)
		return GOCHAIN_STOP;
	/* where a signal struck: the registers of its frame */
	if (stop->how == JUMP_SIGNAL) {
		if (!gostack_jump(gs, s->pid, NULL, stop->bias, JUMP_SIGNAL, &s->copy, regs, resume))
			return GOCHAIN_STOP;
		at.sig_pc = resume[R_RIP];
	}
	/* past its first frame, the BP the first frame on the other stack saved (Go's frame) */
	if (*n > 1 && (!regs[R_RSP] || !copied_word(&s->copy, regs[R_RSP] - 16, &at.bp)))
		at.bp = 0;
	if (splice(gc, s->pid, s->fp, s->nfp, &at, ips, max, n))
		return GOCHAIN_SPLICED;
	if (stop->how == JUMP_SIGNAL)
		return GOCHAIN_RESUME;
	return gostack_jump(gs, s->pid, gostack_layout(gs, stop->file, stop->path), stop->bias,
			    stop->how, &s->copy, regs, resume)
		       ? GOCHAIN_RESUME
		       : GOCHAIN_STOP;
}
