/*
 * Giving back to the page cache the pages of a binary that one pass read:
 * building a symbol index or reading DWARF's CU table touches every page
 * of a symbol table or of the CU headers, and the kernel maps 16 pages
 * around each one read, though only those of the names and DIEs looked up
 * again are needed. After this, a page read again is mapped alone
 * (MADV_RANDOM), so that the RSS holds what lookups use.
 */
#ifndef CPROF_ELFPAGES_H
#define CPROF_ELFPAGES_H

struct Dwfl_Module;
struct Elf;
struct stat;

/*
 * Give back the pages of libelf's mapping of ELF, MOD's main file (FILE is
 * what fstat said of it) or its separate debug file. Does nothing unless
 * the whole file is seen mapped, private and unwritten, where the ELF
 * header is (libelf may have read it into memory instead).
 */
void elfpages_release(struct Dwfl_Module *mod, const struct stat *file, struct Elf *elf);

/* After a pass over MOD's symbols: elfpages_release of its file and of the one its symbols came from. */
void elfpages_release_symbols(struct Dwfl_Module *mod, const struct stat *file);

#endif
