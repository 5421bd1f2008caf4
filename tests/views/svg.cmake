# svg: the flame graph, checked by xmllint and headless Chromium (svg.sh).
add_executable(gen_wide gen_wide.c)
target_compile_options(gen_wide PRIVATE ${CPROF_WARNINGS})
target_link_libraries(gen_wide PRIVATE cprofcore)
cprof_view(svg svg.sh $<TARGET_FILE:gen_wide>)
