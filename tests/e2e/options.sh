#!/bin/bash
# options - every command accepts exactly the options its --help lists.
#
# For record, top, serve, report and diff, the options are read from the
# command's --help (the lines "  -X, --name ARG" and "      --name ARG";
# ARG when one space follows the name). Then:
#   - each listed option is recognised: its long form (--name=x when the
#     help shows an argument, --name when not) and its short letter (-Xx
#     or -X) draw no complaint of getopt (unrecognized option, invalid
#     option, requires an argument, doesn't allow an argument) nor a
#     refusal; -h and --help exit 0 with the usage on stdout;
#   - every option another command lists and this one does not, long and
#     short, and an option nobody has (--no-such-option, -Z), is refused:
#     exit code 2 (usage error, as --help documents) with stderr saying so.
# No target is given (the values are "x", never a valid PID), so nothing is
# sampled; every cprof runs under noperf all the same.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

: "${NOPERF:?set NOPERF to the noperf helper (tests/e2e/noperf.c)}"
[ -x "$CPROF" ] || fail "cprof binary '$CPROF' is missing or not executable"
RUN_UNDER=("$NOPERF")
CMD_TIMEOUT=10
cd "$T" || fail "cannot cd to $T"

commands="record top serve report diff"
complaint="unrecognized option|invalid option|is ambiguous|requires an argument|doesn't allow an argument|takes no"
problems=0

problem()
{
	echo "PROBLEM: $*"
	problems=$((problems + 1))
}

# help_options CMD: "SHORT LONG ARG" per option of CMD's --help (SHORT and
# ARG "-" when there is none); an option listed twice (serve's -l) once.
help_options()
{
	"$CPROF" "$1" --help | awk '
		match($0, /^(  -[A-Za-z], |      )--[a-z][a-z0-9-]*/) {
			head = substr($0, 1, RLENGTH)
			rest = substr($0, RLENGTH + 1)
			short = head ~ /^  -/ ? substr(head, 4, 1) : "-"
			long = head
			sub(/^.*--/, "", long)
			arg = "-"
			if (rest ~ /^ [^ ]/) {
				arg = substr(rest, 2)
				sub(/ .*/, "", arg)
			}
			if (!seen[long]++)
				print short, long, arg
		}'
}

# accepted CMD WORD: cprof CMD WORD draws no complaint of getopt.
accepted()
{
	cprof_run acc "$1" "$2"
	if [ "$2" = --help ] || [ "$2" = -h ]; then
		[ "$RC" = 0 ] && grep -q '^Usage: cprof' "$T/acc.out" ||
			problem "cprof $1 $2: exit $RC, no usage on stdout"
		return
	fi
	[ "$RC" -le 4 ] || problem "cprof $1 $2: exit $RC, none of the documented exit codes"
	if grep -Eq "$complaint" "$T/acc.err"; then
		problem "cprof $1 $2: listed in its --help but refused: $(head -n 1 "$T/acc.err")"
	fi
}

# refused CMD WORD: cprof CMD WORD exits 2 saying the option is not one of CMD's.
refused()
{
	cprof_run ref "$1" "$2"
	if [ "$RC" != 2 ] || ! grep -Eq "$complaint" "$T/ref.err"; then
		problem "cprof $1 $2: not in its --help but not refused as an option" \
			"(exit $RC: $(head -n 1 "$T/ref.err"))"
	fi
}

declare -A longs shorts all_long all_short
for c in $commands; do
	help_options "$c" >"$T/$c.opts" || fail "cprof $c --help failed"
	n=$(wc -l <"$T/$c.opts")
	[ "$n" -ge 3 ] || fail "cprof $c --help: only $n options found" "$(cat "$T/$c.opts")"
	note "cprof $c --help lists $n options: $(awk '{ printf "%s ", $2 }' "$T/$c.opts")"
	while read -r short long arg; do
		longs[$c]+=" $long "
		all_long[$long]=$arg
		if [ "$short" != - ]; then
			shorts[$c]+=" $short "
			all_short[$short]=$arg
		fi
	done <"$T/$c.opts"
done

for c in $commands; do
	while read -r short long arg; do
		if [ "$arg" = - ]; then
			accepted "$c" "--$long"
			[ "$short" = - ] || accepted "$c" "-$short"
		else
			accepted "$c" "--$long=x"
			[ "$short" = - ] || accepted "$c" "-${short}x"
		fi
	done <"$T/$c.opts"
	for long in "${!all_long[@]}" no-such-option; do
		case ${longs[$c]} in *" $long "*) continue ;; esac
		refused "$c" "--$long"
	done
	for short in "${!all_short[@]}" Z; do
		case ${shorts[$c]} in *" $short "*) continue ;; esac
		refused "$c" "-$short"
	done
done

[ "$problems" = 0 ] || fail "$problems options accepted that --help does not list, or the reverse"
pass
