/*
 * Unit tests of include/cprof/elfinflate.h on small ELF files written by
 * the test: a zlib-compressed section inflated and read back with libelf,
 * and inputs that lie (a stream shorter or longer than its header says,
 * another compression, a section past the end of the file).
 */
#include "unit.h"

#include <elf.h>
#include <errno.h>
#include <gelf.h>
#include <zlib.h>

#include "cprof/elfinflate.h"

#ifndef ELFCOMPRESS_ZSTD
#define ELFCOMPRESS_ZSTD 2 /* glibc 2.36 has no name for it */
#endif

#define PLAIN_LEN 5000
static const char shstrtab[] = "\0.debug_x\0.shstrtab";

static void plain(unsigned char *buf)
{
	for (size_t i = 0; i < PLAIN_LEN; i++)
		buf[i] = (unsigned char)(i * 7 % 251);
}

/*
 * PATH: an ELF file whose section 1 (.debug_x) is PLAIN_LEN bytes
 * compressed with zlib, its header saying CH_TYPE and CH_SIZE; CUT bytes
 * taken off the end of the file.
 */
static void write_compressed(const char *path, uint32_t ch_type, uint64_t ch_size, size_t cut)
{
	unsigned char src[PLAIN_LEN], z[PLAIN_LEN + 64], file[16384];
	uLongf zlen = sizeof(z);
	Elf64_Ehdr eh = { .e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB,
				       EV_CURRENT },
			  .e_type = ET_DYN, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
			  .e_ehsize = sizeof(Elf64_Ehdr), .e_shentsize = sizeof(Elf64_Shdr),
			  .e_shnum = 3, .e_shstrndx = 2 };
	Elf64_Chdr ch = { .ch_type = ch_type, .ch_size = ch_size, .ch_addralign = 1 };
	Elf64_Shdr sh[3] = { { 0 } };
	size_t off = sizeof(eh);
	FILE *f;

	plain(src);
	assert_int_equal(compress(z, &zlen, src, sizeof(src)), Z_OK);
	sh[1] = (Elf64_Shdr){ .sh_name = 1, .sh_type = SHT_PROGBITS, .sh_flags = SHF_COMPRESSED,
			      .sh_offset = off, .sh_size = sizeof(ch) + zlen, .sh_addralign = 8 };
	memcpy(file + off, &ch, sizeof(ch));
	memcpy(file + off + sizeof(ch), z, zlen);
	off += sizeof(ch) + zlen;
	sh[2] = (Elf64_Shdr){ .sh_name = 10, .sh_type = SHT_STRTAB, .sh_offset = off,
			      .sh_size = sizeof(shstrtab), .sh_addralign = 1 };
	memcpy(file + off, shstrtab, sizeof(shstrtab));
	off = (off + sizeof(shstrtab) + 7) & ~(size_t)7;
	eh.e_shoff = off;
	memcpy(file, &eh, sizeof(eh));
	memcpy(file + off, sh, sizeof(sh));
	off += sizeof(sh);
	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(fwrite(file, 1, off - cut, f), off - cut);
	assert_int_equal(fclose(f), 0);
}

/* elfinflate_copy of IN into OUT: its result. */
static int copy(const char *in, const char *out)
{
	int i = open(in, O_RDONLY), o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600), err;

	assert_true(i >= 0 && o >= 0);
	err = elfinflate_copy(i, o);
	close(i);
	close(o);
	return err;
}

static int needed(const char *path)
{
	int fd = open(path, O_RDONLY), r;

	assert_true(fd >= 0);
	r = elfinflate_needed(fd);
	close(fd);
	return r;
}

/* Remove the scratch files IN and OUT and their directory DIR; free the names. */
static void scratch_done(char *dir, char *in, char *out)
{
	unlink(in);
	unlink(out);
	rmdir(dir);
	free(in);
	free(out);
	free(dir);
}

static void test_inflated(void **state)
{
	char *dir = unit_tmpdir(), *in = unit_path(dir, "in"), *out = unit_path(dir, "out");
	unsigned char want[PLAIN_LEN];
	Elf_Scn *scn;
	GElf_Shdr sh;
	Elf_Data *d;
	size_t shstrndx;
	Elf *elf;
	int fd;

	(void)state;
	write_compressed(in, ELFCOMPRESS_ZLIB, PLAIN_LEN, 0);
	assert_int_equal(needed(in), 1);
	assert_int_equal(copy(in, out), 0);
	assert_int_equal(needed(out), 0);
	elf_version(EV_CURRENT);
	assert_true((fd = open(out, O_RDONLY)) >= 0);
	assert_non_null(elf = elf_begin(fd, ELF_C_READ, NULL));
	assert_int_equal(elf_getshdrstrndx(elf, &shstrndx), 0);
	assert_non_null(scn = elf_getscn(elf, 1));
	assert_non_null(gelf_getshdr(scn, &sh));
	assert_string_equal(elf_strptr(elf, shstrndx, sh.sh_name), ".debug_x");
	assert_int_equal(sh.sh_flags & SHF_COMPRESSED, 0);
	assert_int_equal(sh.sh_size, PLAIN_LEN);
	assert_non_null(d = elf_getdata(scn, NULL));
	plain(want);
	assert_int_equal(d->d_size, PLAIN_LEN);
	assert_memory_equal(d->d_buf, want, PLAIN_LEN);
	elf_end(elf);
	close(fd);
	scratch_done(dir, in, out);
}

static void test_lies(void **state)
{
	char *dir = unit_tmpdir(), *in = unit_path(dir, "in"), *out = unit_path(dir, "out");
	FILE *f;

	(void)state;
	write_compressed(in, ELFCOMPRESS_ZLIB, PLAIN_LEN + 1, 0); /* the stream ends early */
	assert_int_equal(copy(in, out), -EBADMSG);
	write_compressed(in, ELFCOMPRESS_ZLIB, PLAIN_LEN - 1, 0); /* more than it says */
	assert_int_equal(copy(in, out), -EBADMSG);
	write_compressed(in, ELFCOMPRESS_ZSTD, PLAIN_LEN, 0);
	assert_int_equal(needed(in), -ENOTSUP);
	assert_int_equal(copy(in, out), -ENOTSUP);
	write_compressed(in, ELFCOMPRESS_ZLIB, PLAIN_LEN, 1); /* section headers cut short */
	assert_int_equal(needed(in), -ENOEXEC);
	assert_int_equal(copy(in, out), -ENOEXEC);
	assert_non_null(f = fopen(in, "w"));
	fputs("not an ELF file, long enough to hold a header of sixty-four bytes ...", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(needed(in), -ENOEXEC);
	scratch_done(dir, in, out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inflated),
		cmocka_unit_test(test_lies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
