#!/usr/bin/perl
# elf-tables.pl FILE...: a line per ELF file, three numbers: the bytes of
# its .symtab+.strtab, of its .dynsym+.dynstr and of its DWARF (.debug_*,
# uncompressed: libdw inflates every compressed debug section it opens),
# for bench-report.sh's memory column.
use strict;
use warnings;

for my $f (@ARGV) {
	my ($sym, $dyn, $dwarf) = (0, 0, 0);
	my ($hdr, $fh);
	open($fh, '<:raw', $f) && read($fh, $hdr, 64) == 64 && substr($hdr, 0, 4) eq "\x7fELF" &&
		ord(substr($hdr, 4, 1)) == 2 or do { print "0 0 0\n"; next };
	my ($shoff) = unpack('Q<', substr($hdr, 0x28, 8));
	my ($shentsize, $shnum, $shstrndx) = unpack('S<S<S<', substr($hdr, 0x3a, 6));
	my @sh;
	for my $i (0 .. $shnum - 1) {
		my $b;
		seek($fh, $shoff + $i * $shentsize, 0);
		read($fh, $b, 64) == 64 or last;
		my ($name, $type, $flags, $addr, $off, $size) = unpack('L<L<Q<Q<Q<Q<', $b);
		push @sh, [ $name, $type, $flags, $off, $size ];
	}
	next unless $shstrndx < @sh;
	my $strs;
	seek($fh, $sh[$shstrndx][3], 0);
	read($fh, $strs, $sh[$shstrndx][4]);
	for my $s (@sh) {
		my ($name) = unpack('Z*', substr($strs, $s->[0]));
		my $size = $s->[4];
		next if $s->[1] == 8; # SHT_NOBITS: a stripped debug file's placeholder
		if ($s->[2] & 0x800) { # SHF_COMPRESSED: Elf64_Chdr's ch_size
			my $c;
			seek($fh, $s->[3], 0);
			read($fh, $c, 16) == 16 and (undef, undef, $size) = unpack('L<L<Q<', $c);
		}
		if ($name =~ /^\.(symtab|strtab)$/) {
			$sym += $size;
		} elsif ($name =~ /^\.(dynsym|dynstr)$/) {
			$dyn += $size;
		} elsif ($name =~ /^\.debug_/) {
			$dwarf += $size;
		}
	}
	print "$sym $dyn $dwarf\n";
}
