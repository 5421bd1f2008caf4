cprof_view(top top.sh)
