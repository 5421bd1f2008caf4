/*
 * jit_eh.h - the machine code of a JIT function that keeps no frame
 * pointer, and the unwinding info a runtime writes for it in a jitdump
 * (.eh_frame, then .eh_frame_hdr, laid out for the table to start at the
 * code's size rounded up to 8). Shared by tests/sym/jit_cfi.c and the
 * unit test of jitcfi.h.
 *
 *	 0: push rbp
 *	 1: movabs rbp, 0x5a5a5a5a5a5a5a5a  garbage: frame pointers lead nowhere
 *	11: sub rsp, 0x20
 *	15: movabs rax, CALLEE
 *	25: call rax
 *	27: add rsp, 0x20
 *	31: pop rbp
 *	32: ret
 */
#ifndef JIT_EH_H
#define JIT_EH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define JIT_CODE_SIZE 33
#define JIT_CALL_END 27 /* the return address of the call, from the code's start */

static inline void jit_code(uint8_t *c, uint64_t callee)
{
	static const uint8_t head[] = { 0x55, 0x48, 0xbd, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a,
					0x5a, 0x48, 0x83, 0xec, 0x20, 0x48, 0xb8 };
	static const uint8_t tail[] = { 0xff, 0xd0, 0x48, 0x83, 0xc4, 0x20, 0x5d, 0xc3 };

	memcpy(c, head, sizeof(head));
	memcpy(c + sizeof(head), &callee, 8);
	memcpy(c + sizeof(head) + 8, tail, sizeof(tail));
}

static inline void jit_put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/*
 * The unwinding info of jit_code() into OUT (at least 128 bytes): returns
 * its whole size, and the .eh_frame_hdr's (the last bytes) in *HDR.
 */
static inline size_t jit_unwind(uint8_t *out, size_t *hdr)
{
	/* CIE: "zR", code align 1, data align -8, ra r16, FDEs pcrel sdata4; CFA rsp+8, ra at CFA-8 */
	static const uint8_t cie[] = { 20, 0, 0, 0, 0, 0, 0, 0, 1, 'z', 'R', 0, 1, 0x78, 16, 1, 0x1b,
				       0x0c, 7, 8, 0x90, 1, 0, 0 };
	/* after push: CFA rsp+16, rbp at CFA-16; after sub: rsp+48; after add: 16; after pop: 8 */
	static const uint8_t insns[] = { 0, 0x41, 0x0e, 16, 0x86, 2, 0x4e, 0x0e, 48, 0x50, 0x0e, 16,
					 0x41, 0x0e, 8, 0xc6, 0, 0, 0 };
	size_t eh = (JIT_CODE_SIZE + 7) & ~(size_t)7, fde = sizeof(cie), n, h;

	memcpy(out, cie, sizeof(cie));
	/* FDE: length, CIE pointer, pc begin (pcrel), pc range, no augmentation data, insns */
	n = fde;
	jit_put32(out + n + 4, (uint32_t)(n + 4));
	jit_put32(out + n + 8, (uint32_t)(0 - (eh + n + 8)));
	jit_put32(out + n + 12, JIT_CODE_SIZE);
	memcpy(out + n + 16, insns, sizeof(insns));
	n += 16 + sizeof(insns);
	n = fde + ((n - fde + 3) & ~(size_t)3);
	jit_put32(out + fde, (uint32_t)(n - fde - 4));
	jit_put32(out + n, 0); /* the table's end */
	n += 4;
	/* .eh_frame_hdr: version 1, table pcrel sdata4, count udata4, entries datarel sdata4 */
	h = n;
	out[h] = 1;
	out[h + 1] = 0x1b;
	out[h + 2] = 0x03;
	out[h + 3] = 0x3b;
	jit_put32(out + h + 4, (uint32_t)(0 - (h + 4)));
	jit_put32(out + h + 8, 1);
	jit_put32(out + h + 12, (uint32_t)(0 - (eh + h)));
	jit_put32(out + h + 16, (uint32_t)(fde - h));
	*hdr = 20;
	return h + 20;
}

#endif
