#include "cprof/binsource_debug.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cprof/binsource.h"
#include "cprof/elffile.h"
#include "cprof/elfinflate.h"

/* The debug files a lookup may find: their count, the binary itself (libdwfl skips it) left out. */
struct found {
	dev_t dev;
	ino_t ino;
	int n;
};

/*
 * Whether DIR/SUB/FILE is absent or, links followed as libdwfl will, a
 * regular file; FOUND counts the regular files.
 */
static int harmless(const char *dir, const char *sub, const char *file, struct found *found)
{
	char name[2 * PATH_MAX];
	struct stat st;

	snprintf(name, sizeof(name), "%s/%s%s%s", dir, sub, *sub ? "/" : "", file);
	if (stat(name, &st) < 0)
		return 1;
	found->n += S_ISREG(st.st_mode) && (st.st_dev != found->dev || st.st_ino != found->ino);
	return S_ISREG(st.st_mode);
}

/*
 * Whether every place libdwfl's find_debuginfo_in_path and build-id lookup
 * may open for a binary in directory DIR is harmless: for each entry E of
 * the debuginfo path, "" is DIR, a relative E is DIR/E, an absolute E is
 * E/.build-id/xx/rest.debug, E itself, E/.dwz and E/ each tail of DIR.
 * FOUND counts the files there.
 */
static int search_harmless(const char *path, const char *dir, const char *file,
			   const char *bid_hex, struct found *found)
{
	char *copy = strdup(path), *p = copy, *e;
	char bsub[16] = ".build-id/xx", bfile[140] = "";
	int ok = !!copy;

	if (bid_hex[0]) {
		bsub[10] = bid_hex[0];
		bsub[11] = bid_hex[1];
		snprintf(bfile, sizeof(bfile), "%s.debug", bid_hex + 2);
	}
	while (ok && (e = strsep(&p, ":"))) {
		const char *s;

		e += *e == '+' || *e == '-';
		if (!*e) {
			ok = harmless(dir, "", file, found);
		} else if (*e != '/') {
			ok = harmless(dir, e, file, found);
		} else {
			ok = harmless(e, "", file, found) && harmless(e, ".dwz", file, found) &&
			     (!bfile[0] || harmless(e, bsub, bfile, found));
			for (s = dir; ok && s; s = strchr(s + 1, '/'))
				ok = harmless(e, s + 1, file, found);
		}
	}
	free(copy);
	return ok;
}

/* search_harmless for each name libdwfl may try for FILE_NAME (absolute), whose directory is DIR. */
static int lookup_harmless(const char *path, const char *file_name, const char *link,
			   const char *bid_hex, struct found *found)
{
	const char *base = strrchr(file_name, '/') + 1;
	char dir[PATH_MAX], debug[NAME_MAX + 8];

	snprintf(dir, sizeof(dir), "%.*s", (int)(base - 1 - file_name), file_name);
	if (link)
		return search_harmless(path, dir, link, bid_hex, found);
	snprintf(debug, sizeof(debug), "%s.debug", base);
	return search_harmless(path, dir, debug, bid_hex, found) &&
	       search_harmless(path, dir, base, bid_hex, found);
}

/*
 * A debug file libdwfl would open, links followed: an fd of a regular ELF
 * file, or -errno. What the name leads to is looked at before it is
 * opened, so that a FIFO or device there is not opened at all.
 */
static int open_debug(const char *name)
{
	struct stat st;
	int fd;

	if (stat(name, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -ENOEXEC;
	fd = open(name, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	return fd < 0 ? -errno : binfile_checked(fd, 1);
}

/*
 * The debug file of build-id ID with its DWARF inflated, from the cache,
 * put there first if the debug file libdwfl's build-id lookup would find
 * (E/.build-id/xx/rest.debug, the first E of PATH that has one) has
 * compressed sections. An fd and its name in *NAME (malloc'd), or -errno:
 * libdwfl then reads the debug file itself, as without a cache.
 */
static int inflated_debug(const char *path, const unsigned char *id, size_t len,
			  const char *hex, char **name)
{
	char file[PATH_MAX], *copy, *p, *e;
	int fd = binsource_cache_get("inflated", id, len), err = -ENOENT;

	if (fd == -ENOENT) {
		if (!(copy = p = strdup(path)))
			return -ENOMEM;
		while (err == -ENOENT && (e = strsep(&p, ":"))) {
			e += *e == '+' || *e == '-';
			if (*e != '/' || snprintf(file, sizeof(file), "%s/.build-id/%.2s/%s.debug", e,
						  hex, hex + 2) >= (int)sizeof(file))
				continue;
			if ((fd = open_debug(file)) == -ENOENT)
				continue;
			err = fd < 0 ? fd : elfinflate_needed(fd) == 1 ? 0 : -ENOTSUP;
			if (fd >= 0)
				close(fd);
		}
		free(copy);
		if (!err)
			err = binsource_cache_put("inflated", id, len, file, open_debug, elfinflate_copy);
		fd = err ? err : binsource_cache_get("inflated", id, len);
	}
	if (fd >= 0 && (binsource_cache_file("inflated", id, len, file, sizeof(file)) ||
			!(*name = strdup(file)))) {
		close(fd);
		fd = -ENOMEM;
	}
	return fd;
}

/*
 * Whether LINK is the dwz file named by the .gnu_debugaltlink of MOD's own
 * ELF file: libdwfl's lookup of the file shared by the DWARF of MOD's main
 * file, which has another build-id than MOD.
 */
static int main_altlink(Dwfl_Module *mod, const char *link)
{
	Dwarf_Addr bias;
	Elf *elf = dwfl_module_getelf(mod, &bias);
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (!elf || elf_getshdrstrndx(elf, &shstrndx))
		return 0;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(elf, shstrndx, sh.sh_name)) ||
		    strcmp(name, ".gnu_debugaltlink"))
			continue;
		d = elf_getdata(scn, NULL);
		return d && d->d_buf && strnlen(d->d_buf, d->d_size) < d->d_size &&
		       !strcmp(d->d_buf, link);
	}
	return 0;
}

/* Whether a debuginfod server is configured: libdwfl's last resort, which else finds nothing. */
static int debuginfod_urls(void)
{
	const char *urls = getenv("DEBUGINFOD_URLS");

	return urls && urls[strspn(urls, " \t")];
}

int binsource_find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
			     Dwarf_Addr base, const char *file_name, const char *debuglink,
			     GElf_Word crc, char **debuginfo_file_name)
{
	const char *path = userdata && *userdata ? *userdata : ":.debug:/usr/lib/debug";
	const char *link = debuglink && strrchr(debuglink, '/') ? strrchr(debuglink, '/') + 1
								: debuglink;
	char hex[129] = "", *canon = NULL;
	const unsigned char *bits;
	GElf_Addr vaddr;
	Dwarf_Addr dwbias = 0;
	struct found found = { 0 };
	struct stat st;
	int n, fd, ok, alt;

	if (!file_name || file_name[0] != '/')
		return -1; /* libdwfl would look relative to our working directory */
	if (link && !*link)
		link = NULL;
	n = dwfl_module_build_id(mod, &bits, &vaddr);
	if (n > 0 && n <= 64)
		build_id_hex(bits, (size_t)n, hex);
	if (!stat(file_name, &st)) {
		found.dev = st.st_dev;
		found.ino = st.st_ino;
	}
	/* libdwfl tries the name with its links resolved too */
	canon = realpath(file_name, NULL);
	ok = lookup_harmless(path, file_name, link, hex, &found) &&
	     (!canon || lookup_harmless(path, canon, link, hex, &found));
	free(canon);
	if (!ok)
		return -1;
	/* a debug file known already, or the main file's altlink: the lookup is for a dwz file */
	dwfl_module_info(mod, NULL, NULL, NULL, &dwbias, NULL, NULL, NULL);
	alt = dwbias != (Dwarf_Addr)-1 || (debuglink && main_altlink(mod, debuglink));
	if (!alt && found.n && hex[0] &&
	    (fd = inflated_debug(path, bits, (size_t)n, hex, debuginfo_file_name)) >= 0)
		return fd;
	/* nothing to find here, and no server: skip libdwfl's loading of libdebuginfod (~20 libraries) */
	if (!alt && !found.n && !debuginfod_urls()) {
		errno = 0;
		return -1;
	}
	fd = dwfl_standard_find_debuginfo(mod, userdata, modname, base, file_name, link, crc,
					  debuginfo_file_name);
	if (fd >= 0 && binfile_checked(fd, 1) < 0) {
		free(*debuginfo_file_name);
		*debuginfo_file_name = NULL;
		return -1;
	}
	return fd;
}
