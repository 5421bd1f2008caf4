/*
 * dlhost - a program that loads its hot code with dlopen after it starts.
 *
 * Usage: dlhost SECONDS [PLUGIN]
 *
 *   main -> host_loop -> host_call_plugin -> plugin_hot -> plugin_spin
 *
 * The host sleeps 0.3 s, so a profiler attached or started with it has read
 * the memory map before the plugin is mapped; then it dlopen()s PLUGIN
 * (default: the plugin built with it, DLHOST_PLUGIN) and calls plugin_hot
 * through a function pointer until SECONDS after the start.  Nearly all CPU
 * time is in the plugin, reached through host frames.
 */
#define _GNU_SOURCE
#include <dlfcn.h>

#include "workload.h"

#ifndef DLHOST_PLUGIN
#error "build with -DDLHOST_PLUGIN=\"/path/to/plugin.so\""
#endif

typedef uint64_t (*plugin_fn)(uint64_t);

uint64_t host_call_plugin(plugin_fn fn, uint64_t seed);
uint64_t host_loop(plugin_fn fn, double end);

static volatile uint64_t host_sink;

WL_HOT uint64_t host_call_plugin(plugin_fn fn, uint64_t seed)
{
	uint64_t r = fn(seed);

	host_sink = r;
	return r;
}

WL_HOT uint64_t host_loop(plugin_fn fn, double end)
{
	uint64_t r = host_sink;

	do
		r = host_call_plugin(fn, r);
	while (wl_now() < end);
	host_sink = r;
	return r;
}

int main(int argc, char **argv)
{
	double end = wl_now() + wl_duration(argc, argv, "SECONDS [PLUGIN]");
	const char *path = argc > 2 ? argv[2] : DLHOST_PLUGIN;
	void *h;
	plugin_fn fn;

	wl_sleep(0.3);
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "%s: dlopen: %s\n", argv[0], dlerror());
		return 1;
	}
	fn = (plugin_fn)dlsym(h, "plugin_hot");
	if (!fn) {
		fprintf(stderr, "%s: dlsym plugin_hot: %s\n", argv[0], dlerror());
		return 1;
	}
	host_sink = host_loop(fn, end);
	dlclose(h);
	return 0;
}
