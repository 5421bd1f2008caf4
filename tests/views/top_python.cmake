cprof_view(top_python top_python.sh)
set_tests_properties(views.top_python PROPERTIES ENVIRONMENT
  "${CPROF_VIEW_ENV};SYMSRC=${CMAKE_SOURCE_DIR}/tests/sym")
