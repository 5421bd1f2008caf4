#include "cprof/gostack.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "cprof/util.h"

/* x86-64 DWARF register numbers */
enum { R_RBP = 6, R_RSP = 7, R_R14 = 14, R_RIP = 16, NREGS = 17 };

/* Target memory is read in pieces of this size, page-aligned, as the walk needs it. */
#define CHUNK 4096u

/* A binary's layout: state 0 not read yet, 1 read, -1 none. */
struct golay {
	int state;
	struct golayout lay;
};

struct slot {
	uint64_t addr, value;
};

struct gostack {
	struct golay *lays;      /* by the unwinder's file index */
	size_t caplays;
	struct slot slots[GOSTACK_SLOTS]; /* newest last */
	size_t nslots;
	pid_t pid;
	uint64_t base, limit;    /* the stack jumped to: [base, limit) may be read */
	uint64_t have;           /* bytes of it read so far, from base */
	unsigned char buf[GOSTACK_MAX];
};

int gostack_new(struct gostack **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void gostack_free(struct gostack *gs)
{
	if (gs)
		free(gs->lays);
	free(gs);
}

const struct golayout *gostack_layout(struct gostack *gs, uint32_t file, const char *path)
{
	struct golay *l;

	if (array_reserve(&gs->lays, &gs->caplays, (size_t)file + 1, sizeof(*gs->lays)))
		return NULL;
	l = &gs->lays[file];
	if (!l->state) /* once per binary, at its first switch: its DWARF read */
		l->state = golayout_read_file(path, &l->lay) ? -1 : 1;
	return l->state > 0 ? &l->lay : NULL;
}

void gostack_reset(struct gostack *gs)
{
	gs->base = gs->limit = gs->have = 0;
	gs->nslots = 0;
}

void gostack_slot(struct gostack *gs, uint64_t addr, uint64_t value)
{
	if (gs->nslots == GOSTACK_SLOTS)
		memmove(gs->slots, gs->slots + 1, sizeof(gs->slots) - sizeof(gs->slots[0]));
	else
		gs->nslots++;
	gs->slots[gs->nslots - 1] = (struct slot){ addr, value };
}

int gostack_peek(pid_t pid, uint64_t addr, void *out, size_t len)
{
	struct iovec local = { out, len }, remote = { (void *)(uintptr_t)addr, len };

	return addr && process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)len ? 0 : -EFAULT;
}

static uint64_t word(const unsigned char *p, uint32_t off)
{
	uint64_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

int gostack_read(struct gostack *gs, uint64_t addr, uint64_t *out)
{
	if (addr < gs->base || addr >= gs->limit || gs->limit - addr < 8)
		return 0;
	/* read on to the next page boundary past what the walk wants */
	while (addr - gs->base + 8 > gs->have) {
		uint64_t from = gs->base + gs->have;
		uint64_t to = (from + CHUNK) & ~(uint64_t)(CHUNK - 1);
		struct iovec local, remote;
		ssize_t got;

		if (to > gs->limit)
			to = gs->limit;
		local = (struct iovec){ gs->buf + gs->have, to - from };
		remote = (struct iovec){ (void *)(uintptr_t)from, to - from };
		got = process_vm_readv(gs->pid, &local, 1, &remote, 1, 0);
		if (got <= 0) {
			gs->limit = gs->base + gs->have; /* no second try at a page that failed */
			return -1;
		}
		gs->have += (uint64_t)got;
	}
	memcpy(out, gs->buf + (addr - gs->base), sizeof(*out));
	return 1;
}

int gostack_beyond(const struct gostack *gs, uint64_t addr)
{
	return gs->limit && addr >= gs->limit && addr - gs->base < (64u << 20);
}

/*
 * The goroutine the thread whose system stack (g0) holds SP runs, G0
 * being what R14 held (Go's ABIInternal keeps g there): read g0, its m
 * and m.curg, and check they hold together. Fills CURG with curg's first
 * lay->g_size bytes and returns its address, or 0.
 */
static uint64_t current_goroutine(pid_t pid, const struct golayout *lay, uint64_t g0,
				  uint64_t sp, unsigned char *curg)
{
	unsigned char g[256], m[1024];
	uint64_t mp, cg;

	if (lay->g_size > sizeof(g) || lay->m_size > sizeof(m) ||
	    gostack_peek(pid, g0, g, lay->g_size))
		return 0;
	/* the walk is on this g's stack: it is g0 of its m */
	if (sp < word(g, lay->g_stack_lo) || sp >= word(g, lay->g_stack_hi))
		return 0;
	mp = word(g, lay->g_m);
	if (gostack_peek(pid, mp, m, lay->m_size) || word(m, lay->m_g0) != g0)
		return 0;
	cg = word(m, lay->m_curg);
	if (!cg || cg == g0 || gostack_peek(pid, cg, curg, lay->g_size))
		return 0;
	return cg;
}

/* Whether the return addresses of the last frames the sample had are still there. */
static int same_frames(const struct gostack *gs, pid_t pid)
{
	uint64_t now[GOSTACK_SLOTS];
	struct iovec local[GOSTACK_SLOTS], remote[GOSTACK_SLOTS];
	size_t i, n = gs->nslots;

	for (i = 0; i < n; i++) {
		local[i] = (struct iovec){ &now[i], 8 };
		remote[i] = (struct iovec){ (void *)(uintptr_t)gs->slots[i].addr, 8 };
	}
	if (!n || process_vm_readv(pid, local, n, remote, n, 0) != (ssize_t)(8 * n))
		return 0;
	for (i = 0; i < n; i++)
		if (now[i] != gs->slots[i].value)
			return 0;
	return 1;
}

/* The signal frame at SP (x86-64: pretcode popped, then struct ucontext): its registers. */
static int signal_regs(const struct gostack_copy *copy, uint64_t sp, uint64_t resume[NREGS])
{
	/* sigcontext's r8..r15 rdi rsi rbp rbx rdx rax rcx rsp rip, as DWARF numbers */
	static const unsigned dwarf_of[NREGS] = { 8, 9, 10, 11, 12, 13, 14, 15, 5, 4, 6, 3, 1, 0, 2,
						  7, 16 };
	const uint64_t mcontext = 40; /* uc_flags, uc_link, uc_stack */
	unsigned i;

	if (sp < copy->sp || sp - copy->sp > copy->size ||
	    copy->size - (sp - copy->sp) < mcontext + NREGS * 8)
		return 0;
	for (i = 0; i < NREGS; i++)
		resume[dwarf_of[i]] = word(copy->bytes, (uint32_t)(sp - copy->sp + mcontext + 8 * i));
	return resume[R_RIP] && resume[R_RSP];
}

int gostack_jump(struct gostack *gs, pid_t pid, const struct golayout *lay, uint64_t bias,
		 enum root_jump how, const struct gostack_copy *copy, const uint64_t regs[17],
		 uint64_t resume[17])
{
	unsigned char curg[256];
	uint64_t cg = 0, sp, pc, ret;
	int ok;

	memset(resume, 0, NREGS * sizeof(*resume));
	/*
	 * The code a signal interrupted: its registers are the sample's, its
	 * stack is not (the handler has long returned): the walk ends there.
	 */
	if (how == JUMP_SIGNAL) {
		ok = signal_regs(copy, regs[R_RSP], resume);
		gostack_reset(gs);
		return ok;
	}
	ok = (how == JUMP_SYSTEMSTACK || how == JUMP_MORESTACK) && lay &&
	     (cg = current_goroutine(pid, lay, regs[R_R14], regs[R_RSP], curg)) &&
	     same_frames(gs, pid); /* after curg was read: it was read while still in the call */
	gostack_reset(gs);
	if (!ok)
		return 0;
	sp = word(curg, lay->g_sched_sp);
	pc = word(curg, lay->g_sched_pc);
	/* where it stopped is on its stack (sched.sp is 0 once it left systemstack) */
	if (!sp || sp < word(curg, lay->g_stack_lo) || sp >= word(curg, lay->g_stack_hi))
		return 0;
	gs->pid = pid;
	gs->base = sp;
	gs->limit = word(curg, lay->g_stack_hi) - sp < GOSTACK_MAX ? word(curg, lay->g_stack_hi)
								     : sp + GOSTACK_MAX;
	resume[R_RBP] = word(curg, lay->g_sched_bp);
	resume[R_R14] = cg;
	if (how == JUMP_MORESTACK) {
		/* the function that called morestack, in its prologue: Go shows it, not morestack */
		resume[R_RIP] = pc;
		resume[R_RSP] = sp;
		return pc != 0;
	}
	/* systemstack saved its own sp, and systemstack_switch as the pc: on from its caller */
	if (lay->switch_end && (pc < lay->switch_start + bias || pc >= lay->switch_end + bias))
		return 0;
	if (gostack_read(gs, sp, &ret) != 1 || !ret)
		return 0;
	resume[R_RIP] = ret;
	resume[R_RSP] = sp + 8;
	return 1;
}
