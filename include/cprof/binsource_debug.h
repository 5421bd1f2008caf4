/*
 * The debug files libdwfl looks for beside a binary, binsource's third part
 * (binsource.h): the same care for the names libdwfl opens itself.
 */
#ifndef CPROF_BINSOURCE_DEBUG_H
#define CPROF_BINSOURCE_DEBUG_H

#include <elfutils/libdwfl.h>

/*
 * A libdwfl find_debuginfo callback: dwfl_standard_find_debuginfo (build-id
 * directories, .gnu_debuglink, debuginfod), but refusing to look when one of
 * the files it would open is not a regular file (libdwfl opens them without
 * O_NONBLOCK: a FIFO would hang it) and taking only the file name of a
 * debuglink (a crafted "../../dev/zero" stays in the debug directories).
 * A debug file found by build-id comes from the inflated cache (binsource_cache.h).
 * Without DEBUGINFOD_URLS, a module with no debug file in any of those
 * places is not looked up by libdwfl at all: its last resort, debuginfod,
 * would load libdebuginfod and its ~20 libraries only to find nothing.
 */
int binsource_find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
			     Dwarf_Addr base, const char *file_name, const char *debuglink,
			     GElf_Word crc, char **debuginfo_file_name);

#endif
