# diff: cprof diff of a shifted pair of split recordings (diff.sh).
cprof_view(diff diff.sh)
