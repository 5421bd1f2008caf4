# svg_deep: a deep flame graph opens on the part that holds the time (svg_deep.sh).
cprof_view(svg_deep svg_deep.sh)
