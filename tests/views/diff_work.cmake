# diff_work: the verdict of cprof diff on a fixed-work workload (diff_work.sh).
cprof_view(diff_work diff_work.sh)
