cprof_view(top_live top_live.sh)
