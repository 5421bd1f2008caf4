# cprof serve: its /debug/pprof/profile fetched by go tool pprof on the URL,
# bad requests, a stalled client, memory over back-to-back scrapes.
cprof_view(serve serve.sh)
