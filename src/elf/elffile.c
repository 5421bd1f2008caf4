#include "cprof/elffile.h"

#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct segment {
	uint64_t offset, vaddr, filesz, align;
	int exec;
};

struct elffile {
	unsigned char build_id[64];
	size_t build_id_len;
	struct segment *segs;
	size_t nsegs;
};

int elffile_open(const char *path, struct elffile **out)
{
	struct stat st;
	int fd, err;

	/* O_NONBLOCK: a FIFO must not hang us before fstat says what it is */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		err = -errno;
	else
		err = S_ISREG(st.st_mode) ? elffile_fdopen(fd, out) : -ENOEXEC;
	close(fd);
	return err;
}

int elffile_fdopen(int fd, struct elffile **out)
{
	struct elffile *ef;
	Elf *elf = NULL;
	const void *id;
	size_t phnum, i;
	ssize_t idlen;
	int err = 0;

	elf_version(EV_CURRENT);
	ef = calloc(1, sizeof(*ef));
	if (!ef) {
		err = -ENOMEM;
		goto out;
	}
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || elf_getphdrnum(elf, &phnum)) {
		err = -ENOEXEC;
		goto out;
	}
	idlen = dwelf_elf_gnu_build_id(elf, &id);
	if (idlen > 0 && (size_t)idlen <= sizeof(ef->build_id)) {
		memcpy(ef->build_id, id, idlen);
		ef->build_id_len = idlen;
	}
	ef->segs = calloc(phnum ? phnum : 1, sizeof(*ef->segs));
	if (!ef->segs) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD)
			ef->segs[ef->nsegs++] = (struct segment){
				.offset = ph.p_offset, .vaddr = ph.p_vaddr, .filesz = ph.p_filesz,
				.align = ph.p_align > 1 ? ph.p_align : 1, .exec = !!(ph.p_flags & PF_X) };
	}
out:
	if (elf)
		elf_end(elf);
	if (err)
		elffile_free(ef);
	else
		*out = ef;
	return err;
}

void elffile_free(struct elffile *ef)
{
	if (!ef)
		return;
	free(ef->segs);
	free(ef);
}

size_t elffile_build_id(const struct elffile *ef, const unsigned char **id)
{
	*id = ef->build_id;
	return ef->build_id_len;
}

/* The PT_LOAD holding file offset OFF; mappings start page-aligned, so
 * an offset just below a segment's start still belongs to it. */
static const struct segment *find_segment(const struct elffile *ef, uint64_t off)
{
	size_t i;

	for (i = 0; i < ef->nsegs; i++) {
		const struct segment *s = &ef->segs[i];
		uint64_t lo = s->offset & ~0xfffULL;

		if (off >= lo && off < s->offset + s->filesz)
			return s;
	}
	return NULL;
}

int elffile_vaddr(const struct elffile *ef, uint64_t off, uint64_t *vaddr)
{
	const struct segment *s = find_segment(ef, off);

	if (!s)
		return -ENOENT;
	*vaddr = s->vaddr + off - s->offset;
	return 0;
}

/*
 * The segment a mapping at file offset PGOFF was made for. Segments may
 * share a file page (the kernel maps each from its page-aligned offset),
 * so a segment starting in PGOFF's page wins over one merely covering it,
 * and an executable one over the others: cprof sees executable mappings.
 */
static const struct segment *segment_of_mapping(const struct elffile *ef, uint64_t pgoff)
{
	const struct segment *best = NULL;
	size_t i;

	for (i = 0; i < ef->nsegs; i++) {
		const struct segment *s = &ef->segs[i];

		if ((s->offset & ~0xfffULL) != pgoff)
			continue;
		if (!best || (s->exec && !best->exec))
			best = s;
	}
	return best ? best : find_segment(ef, pgoff);
}

int elffile_bias(const struct elffile *ef, uint64_t start, uint64_t pgoff, uint64_t *bias)
{
	const struct segment *s = segment_of_mapping(ef, pgoff);

	if (!s)
		return -ENOENT;
	/* start maps file offset pgoff, whose vaddr is s->vaddr + (pgoff - s->offset) */
	*bias = start - (s->vaddr + pgoff - s->offset);
	return 0;
}

void build_id_hex(const unsigned char *id, size_t len, char *out)
{
	size_t i;

	for (i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", id[i]);
	out[2 * len] = '\0';
}
