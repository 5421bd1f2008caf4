/*
 * Perf trampolines: CPython 3.12+ (-X perf, PYTHONPERFSUPPORT=1) copies one
 * small template, _Py_trampoline_func_start.._Py_trampoline_func_end of
 * libpython or the python binary, into anonymous memory for every code
 * object, and calls the interpreter through the copy. The copies have no
 * CFI, so a DWARF unwinder stops at the first one. This module reads the
 * template from the ELF file that holds it and decodes its frame layout,
 * so the unwinder can step through any copy of it.
 */
#ifndef CPROF_TRAMPOLINE_H
#define CPROF_TRAMPOLINE_H

#include <gelf.h>
#include <stddef.h>
#include <stdint.h>

#define TRAMP_MAX 64

struct tramp_template {      /* a plain value */
	uint8_t code[TRAMP_MAX]; /* the template's bytes */
	size_t len;
	size_t ret_off;          /* offset of the return address of its one call */
	uint64_t frame;          /* bytes it pushes or reserves before the call */
	int saves_rbp;           /* "push %rbp" first: the caller's rbp at [rsp + frame - 8] */
};

/*
 * Decode the LEN bytes of CODE as a trampoline: pushes of %rbp, "mov
 * %rsp,%rbp", "sub $N,%rsp", then one "call *%REG", then the epilogue.
 * Returns 0, or -ENOEXEC when CODE is not of that shape.
 */
int tramp_decode(const uint8_t *code, size_t len, struct tramp_template *out);

/*
 * The template of the ELF file ELF (its _Py_trampoline_func_start and
 * _end symbols, from .symtab or .dynsym), decoded. -ENOENT if it has none.
 */
int tramp_from_elf(Elf *elf, struct tramp_template *out);

/*
 * Whether CODE (T->len bytes read at a return address RA minus
 * T->ret_off) is a copy of T. Then, at RA with stack pointer RSP, the
 * caller's return address is at RSP + T->frame and its stack pointer is
 * RSP + T->frame + 8.
 */
int tramp_is_copy(const struct tramp_template *t, const uint8_t *code);

#endif
