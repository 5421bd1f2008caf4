# The pprof writer, read back by `go tool pprof`; the C++ compiler builds
# the inlining fixture of tests/sym.
cprof_view(pprof pprof.sh ${CMAKE_CXX_COMPILER})
