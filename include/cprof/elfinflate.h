/*
 * An ELF file's compressed sections, inflated once into a file of their
 * own: the debug cache's content (binsource.h). libdw inflates every
 * compressed debug section of a file it opens into memory, at each
 * report, zlib's time and the whole DWARF in the heap; an inflated copy
 * is read in place, only the pages a lookup touches.
 *
 * Only a 64-bit little-endian ELF file with SHF_COMPRESSED zlib sections
 * is inflated. Everything else is copied byte for byte, at new offsets:
 * the ELF and program headers, the sections in file order (a compressed
 * one with its Elf64_Chdr's size and alignment, its flag cleared), then
 * the section headers. The input is not trusted: every size and offset
 * is checked against the file, and a section that does not inflate to
 * exactly its stated size fails the copy.
 */
#ifndef CPROF_ELFINFLATE_H
#define CPROF_ELFINFLATE_H

/*
 * Whether the ELF file at FD (borrowed) has a zlib-compressed section: 1,
 * 0 if none, -ENOEXEC if it is not a 64-bit little-endian ELF file whose
 * section headers are in it, -ENOTSUP for another compression (zstd).
 */
int elfinflate_needed(int fd);

/*
 * Write the copy of IN with its compressed sections inflated to OUT (both
 * borrowed; OUT is written from offset 0, sequentially). Returns 0 or
 * -errno (-ENOEXEC/-ENOTSUP as above, -EBADMSG for a section that does
 * not inflate as stated); OUT holds garbage after an error.
 */
int elfinflate_copy(int in, int out);

#endif
