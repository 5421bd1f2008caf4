/*
 * What cprof needs to know about one ELF file on disk: its build-id and
 * its loadable segments, to turn a file offset into an ELF virtual
 * address and a mapping into a load bias.
 */
#ifndef CPROF_ELFFILE_H
#define CPROF_ELFFILE_H

#include <stddef.h>
#include <stdint.h>

struct elffile;

/* Open and read PATH. Returns 0, -errno, or -ENOEXEC if not a regular ELF file. */
int elffile_open(const char *path, struct elffile **out);
/* Read the ELF file open at FD (borrowed: the caller still closes it). Same returns. */
int elffile_fdopen(int fd, struct elffile **out);
void elffile_free(struct elffile *ef);

/* Build-id bytes (borrowed) and their count; 0 if the file has none. */
size_t elffile_build_id(const struct elffile *ef, const unsigned char **id);

/* ELF vaddr of the byte at file offset OFF. -ENOENT if not in a PT_LOAD. */
int elffile_vaddr(const struct elffile *ef, uint64_t off, uint64_t *vaddr);

/*
 * Load bias of a mapping of this file at START with file offset PGOFF:
 * runtime address = ELF vaddr + bias. -ENOENT if PGOFF is in no PT_LOAD.
 */
int elffile_bias(const struct elffile *ef, uint64_t start, uint64_t pgoff, uint64_t *bias);

/* Format a build-id as lowercase hex into OUT (2 * LEN + 1 bytes). */
void build_id_hex(const unsigned char *id, size_t len, char *out);

#endif
