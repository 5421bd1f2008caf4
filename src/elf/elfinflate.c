#include "cprof/elfinflate.h"

#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define MAX_ALIGN 65536u
#define MAX_INFLATED (1ull << 32) /* all sections together */

/* The headers of an ELF file, as read and checked. */
struct elfhdrs {
	Elf64_Ehdr eh;
	Elf64_Phdr *ph;
	Elf64_Shdr *sh;
	uint64_t size;           /* of the file */
	uint64_t head;           /* end of the ELF and program headers */
};

static void elfhdrs_release(struct elfhdrs *h)
{
	free(h->ph);
	free(h->sh);
}

static int read_at(int fd, void *buf, size_t n, uint64_t off)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = pread(fd, (char *)buf + got, n - got, (off_t)(off + got));

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? -errno : -ENOEXEC; /* shorter than its headers say */
		got += (size_t)k;
	}
	return 0;
}

static int write_all(int fd, const void *buf, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, buf, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		buf = (const char *)buf + k;
		n -= (size_t)k;
	}
	return 0;
}

/* Whether [OFF, OFF + LEN) lies in a file of SIZE bytes. */
static int inside(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

static int has_data(const Elf64_Shdr *s)
{
	return s->sh_type != SHT_NULL && s->sh_type != SHT_NOBITS;
}

static int read_headers(int fd, struct elfhdrs *h)
{
	Elf64_Ehdr *eh = &h->eh;
	struct stat st;
	size_t i;
	int err;

	*h = (struct elfhdrs){ 0 };
	if (fstat(fd, &st) < 0)
		return -errno;
	h->size = (uint64_t)st.st_size;
	if ((err = read_at(fd, eh, sizeof(*eh), 0)))
		return err;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_ehsize != sizeof(*eh) ||
	    eh->e_shentsize != sizeof(Elf64_Shdr) || !eh->e_shnum || eh->e_shnum >= SHN_LORESERVE ||
	    eh->e_shstrndx >= eh->e_shnum ||
	    !inside(eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr), h->size))
		return -ENOEXEC;
	h->head = sizeof(*eh);
	if (eh->e_phnum) {
		if (eh->e_phnum == PN_XNUM || eh->e_phentsize != sizeof(Elf64_Phdr) ||
		    eh->e_phoff < sizeof(*eh) ||
		    !inside(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr), h->size))
			return -ENOEXEC;
		h->head = eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr);
		if (!(h->ph = malloc(eh->e_phnum * sizeof(*h->ph))))
			return -ENOMEM;
		if ((err = read_at(fd, h->ph, eh->e_phnum * sizeof(*h->ph), eh->e_phoff)))
			return err;
	}
	if (!(h->sh = malloc(eh->e_shnum * sizeof(*h->sh))))
		return -ENOMEM;
	if ((err = read_at(fd, h->sh, eh->e_shnum * sizeof(*h->sh), eh->e_shoff)))
		return err;
	/* every section's bytes in the file, after the headers the copy keeps in place */
	for (i = 1; i < eh->e_shnum; i++)
		if (has_data(&h->sh[i]) && h->sh[i].sh_size &&
		    (!inside(h->sh[i].sh_offset, h->sh[i].sh_size, h->size) ||
		     h->sh[i].sh_offset < h->head))
			return -ENOEXEC;
	return 0;
}

/* The compression header of section S, checked: 0, -ENOTSUP (not zlib) or -ENOEXEC. */
static int read_chdr(int fd, const Elf64_Shdr *s, Elf64_Chdr *ch)
{
	int err;

	if (s->sh_size < sizeof(*ch))
		return -ENOEXEC;
	if ((err = read_at(fd, ch, sizeof(*ch), s->sh_offset)))
		return err;
	if (ch->ch_type != ELFCOMPRESS_ZLIB)
		return -ENOTSUP;
	return ch->ch_size < MAX_INFLATED ? 0 : -ENOEXEC;
}

static int compressed(const Elf64_Shdr *s)
{
	return has_data(s) && (s->sh_flags & SHF_COMPRESSED);
}

int elfinflate_needed(int fd)
{
	struct elfhdrs h;
	Elf64_Chdr ch;
	size_t i;
	int err = read_headers(fd, &h), found = 0;

	for (i = 1; !err && i < h.eh.e_shnum; i++)
		if (compressed(&h.sh[i]) && !(err = read_chdr(fd, &h.sh[i], &ch)))
			found = 1;
	elfhdrs_release(&h);
	return err ? err : found;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static int pad(int out, uint64_t n)
{
	static const char zeros[4096];
	int err = 0;

	while (n > 0 && !err) {
		size_t k = n < sizeof(zeros) ? (size_t)n : sizeof(zeros);

		err = write_all(out, zeros, k);
		n -= k;
	}
	return err;
}

static int copy_range(int in, int out, uint64_t off, uint64_t len)
{
	char buf[65536];
	int err = 0;

	while (len > 0 && !err) {
		size_t k = len < sizeof(buf) ? (size_t)len : sizeof(buf);

		if (!(err = read_at(in, buf, k, off)))
			err = write_all(out, buf, k);
		off += k;
		len -= k;
	}
	return err;
}

/* Inflate the zlib stream of LEN bytes at OFF in IN to OUT: exactly WANT bytes, or -EBADMSG. */
static int inflate_range(int in, int out, uint64_t off, uint64_t len, uint64_t want)
{
	unsigned char ibuf[65536], obuf[65536];
	z_stream z = { 0 };
	uint64_t done = 0;
	int zr = Z_OK, err = 0;

	if (inflateInit(&z) != Z_OK)
		return -ENOMEM;
	while (!err && zr != Z_STREAM_END) {
		if (!z.avail_in) {
			size_t k = len < sizeof(ibuf) ? (size_t)len : sizeof(ibuf);

			if (!k) {
				err = -EBADMSG; /* the stream ends early */
				break;
			}
			if ((err = read_at(in, ibuf, k, off)))
				break;
			off += k;
			len -= k;
			z.next_in = ibuf;
			z.avail_in = (uInt)k;
		}
		z.next_out = obuf;
		z.avail_out = sizeof(obuf);
		zr = inflate(&z, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END) {
			err = -EBADMSG;
			break;
		}
		if (sizeof(obuf) - z.avail_out > want - done) {
			err = -EBADMSG; /* more than its header said */
			break;
		}
		done += sizeof(obuf) - z.avail_out;
		err = write_all(out, obuf, sizeof(obuf) - z.avail_out);
	}
	inflateEnd(&z);
	return !err && done != want ? -EBADMSG : err;
}

static int alignment(uint64_t a)
{
	return a <= 1 ? 1 : (a & (a - 1)) || a > MAX_ALIGN ? 0 : (int)a;
}

/* Sections by file offset, then index: the order their bytes are written in. */
static int by_offset(const void *a, const void *b, void *shdrs)
{
	const Elf64_Shdr *sh = shdrs;
	const Elf64_Shdr *x = &sh[*(const uint16_t *)a], *y = &sh[*(const uint16_t *)b];

	if (x->sh_offset != y->sh_offset)
		return x->sh_offset < y->sh_offset ? -1 : 1;
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

int elfinflate_copy(int in, int out)
{
	struct elfhdrs h;
	Elf64_Shdr *nsh = NULL;
	Elf64_Ehdr eh;
	uint16_t *order = NULL;
	uint64_t cur, total = 0;
	size_t n, i, j;
	int err = read_headers(in, &h);

	if (err)
		goto out;
	n = h.eh.e_shnum;
	nsh = malloc(n * sizeof(*nsh));
	order = malloc(n * sizeof(*order));
	if (!nsh || !order) {
		err = -ENOMEM;
		goto out;
	}
	memcpy(nsh, h.sh, n * sizeof(*nsh));
	for (i = 0; i < n; i++)
		order[i] = (uint16_t)i;
	qsort_r(order + 1, n - 1, sizeof(*order), by_offset, h.sh);
	/* the layout first, so that the file is written front to back */
	for (cur = h.head, j = 1; j < n && !err; j++) {
		Elf64_Shdr *s = &nsh[order[j]];
		Elf64_Chdr ch;
		int a = alignment(s->sh_addralign);

		if (compressed(s) && !(err = read_chdr(in, s, &ch))) {
			a = alignment(ch.ch_addralign);
			s->sh_size = ch.ch_size;
			s->sh_addralign = ch.ch_addralign;
			s->sh_flags &= ~(uint64_t)SHF_COMPRESSED;
			if ((total += ch.ch_size) >= MAX_INFLATED)
				err = -ENOEXEC;
		}
		if (!err && !a)
			err = -ENOEXEC;
		if (err)
			break;
		cur = align_up(cur, (uint64_t)a);
		s->sh_offset = cur;
		if (has_data(s))
			cur += s->sh_size;
	}
	if (err)
		goto out;
	eh = h.eh;
	eh.e_shoff = align_up(cur, 8);
	if ((err = write_all(out, &eh, sizeof(eh))))
		goto out;
	if (h.eh.e_phnum) {
		/* a segment's bytes moved with the section that holds them */
		for (i = 0; i < h.eh.e_phnum; i++)
			for (j = 1; j < n; j++)
				if (has_data(&h.sh[j]) && !compressed(&h.sh[j]) &&
				    h.ph[i].p_offset >= h.sh[j].sh_offset &&
				    h.ph[i].p_offset < h.sh[j].sh_offset + h.sh[j].sh_size) {
					h.ph[i].p_offset += nsh[j].sh_offset - h.sh[j].sh_offset;
					break;
				}
		if ((err = copy_range(in, out, sizeof(eh), h.eh.e_phoff - sizeof(eh))) ||
		    (err = write_all(out, h.ph, h.eh.e_phnum * sizeof(*h.ph))))
			goto out;
	}
	for (cur = h.head, j = 1; j < n && !err; j++) {
		const Elf64_Shdr *from = &h.sh[order[j]], *to = &nsh[order[j]];

		if (!has_data(to))
			continue;
		if ((err = pad(out, to->sh_offset - cur)))
			break;
		if (compressed(from))
			err = inflate_range(in, out, from->sh_offset + sizeof(Elf64_Chdr),
					    from->sh_size - sizeof(Elf64_Chdr), to->sh_size);
		else
			err = copy_range(in, out, from->sh_offset, from->sh_size);
		cur = to->sh_offset + to->sh_size;
	}
	if (!err && !(err = pad(out, eh.e_shoff - cur)))
		err = write_all(out, nsh, n * sizeof(*nsh));
out:
	free(order);
	free(nsh);
	elfhdrs_release(&h);
	return err;
}
