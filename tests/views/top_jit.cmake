cprof_view(top_jit top_jit.sh)
set_tests_properties(views.top_jit PROPERTIES ENVIRONMENT
  "${CPROF_VIEW_ENV};SYMSRC=${CMAKE_SOURCE_DIR}/tests/sym")
