# The cpuprofile writer's times, computed by node from its timeDeltas as
# Chrome DevTools and VS Code do, on a program of more busy threads than CPUs.
cprof_view(cpuprofile cpuprofile.sh)
