/*
 * What cprof needs to know of a binary Go's linker wrote that ELF does not
 * say by itself: whether it is one, and how Go's own tools (pprof, its
 * tracebacks) name its functions.
 */
#ifndef CPROF_GOBIN_H
#define CPROF_GOBIN_H

#include <gelf.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Whether ELF was linked by Go: it has Go's build information section
 * (.go.buildinfo, Go 1.13 and later, kept by -ldflags='-s -w'). A symbol
 * table holding runtime.buildVersion says so too (gobin_is_go_symbol).
 */
int gobin_is_go(Elf *elf);
int gobin_is_go_symbol(const char *name);

/*
 * The length of NAME (LEN bytes, a function of a Go binary) without the
 * ABI suffix Go's linker adds to its symbol (".abi0", ".abiinternal"):
 * "runtime.madvise.abi0" is runtime.madvise in Go's pprof and tracebacks.
 */
size_t gobin_name_len(const char *name, size_t len);

/*
 * Open the binary PATH by binsource_open's rules and begin reading it as
 * ELF into *ELF. Returns the descriptor, to give back with *ELF to
 * gobin_close, or -errno (-ENOEXEC: not ELF).
 */
int gobin_open(const char *path, Elf **elf);
void gobin_close(int fd, Elf *elf);

/*
 * Whether the binary PATH (opened by binsource_open's rules) is Go's: 1,
 * 0, or -errno.
 */
int gobin_file_is_go(const char *path);

/*
 * Whether the live process PID runs a Go binary: its executable, read in
 * PID's root. 1, 0, or -errno (-ENOENT: gone or not ours to inspect).
 */
int gobin_pid_is_go(pid_t pid);

/* The section of ELF named NAME, or NULL. */
Elf_Scn *gobin_section(Elf *elf, const char *name);

/*
 * The value and size of the first symbol of ELF's .symtab named NAME, an
 * ABI suffix of the symbol ignored (gobin_name_len). Returns 0, or
 * -ENOENT when there is no such symbol (or no .symtab: -ldflags=-s).
 */
int gobin_symbol(Elf *elf, const char *name, uint64_t *value, uint64_t *size);

#endif
