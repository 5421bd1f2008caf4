cprof_view(speedscope speedscope.sh)
