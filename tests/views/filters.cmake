cprof_view(filters filters.sh)
