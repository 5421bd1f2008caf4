/* Unit tests of include/cprof/host.h: the container of a /proc/PID/cgroup text. */
#include "unit.h"

#include <string.h>

#include "cprof/host.h"

#define H64 "9085e6be0e65ac628f81e5b11d0927a509bfb3014fdc7c6e4c90049b6cf7393a"

/* TEXT's container is WANT ("" and 0: none). */
static void parse_is(const char *text, const char *want)
{
	char out[HOST_CONTAINER_MAX];

	assert_int_equal(host_container_parse(text, strlen(text), out, sizeof(out)), want[0] != 0);
	assert_string_equal(out, want);
}

static void test_runtimes(void **state)
{
	(void)state;
	parse_is("0::/system.slice/docker-" H64 ".scope\n", H64);
	parse_is("0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice/"
		 "cri-containerd-" H64 ".scope\n", H64);
	parse_is("0::/kubepods.slice/kubepods-pod2.slice/crio-abcdef012345.scope\n",
		 "abcdef012345");
	parse_is("0::/machine.slice/libpod-" H64 ".scope/container\n", H64);
	/* cgroup v1, cgroupfs driver: a bare id of 64 digits */
	parse_is("12:memory:/docker/" H64 "\n0::/\n", H64);
	parse_is("4:cpu:/kubepods/burstable/pod1/" H64 "\n", H64);
}

static void test_units_and_none(void **state)
{
	(void)state;
	parse_is("0::/system.slice/nginx.service\n", "nginx.service");
	/* the deepest unit; a container scope below a unit wins */
	parse_is("0::/user.slice/user-1000.slice/user@1000.service/app.slice/x.service\n",
		 "x.service");
	parse_is("0::/system.slice/containerd.service/docker-" H64 ".scope\n", H64);
	parse_is("0::/\n", "");
	parse_is("0::/user.slice/user-1000.slice/session-3.scope\n", "");
	/* a bare 32-digit id (a sandbox's) is no container; crio's monitor neither */
	parse_is("4:memory:/process_api/1fbc761a6c0c3552237aeeb6a2540c73\n0::/\n", "");
	parse_is("0::/system.slice/crio-conmon-" H64 ".scope\n", "");
	/* not hex, too short */
	parse_is("0::/system.slice/docker-xyz.scope\n", "");
	parse_is("0::/system.slice/docker-abc123.scope\n", "");
}

static void test_malformed(void **state)
{
	char out[HOST_CONTAINER_MAX], small[8];
	const char *cut = "0::/system.slice/docker-" H64 ".scope"; /* no newline: not read */

	(void)state;
	parse_is("", "");
	parse_is("garbage without colons\n\n", "");
	parse_is("0:/docker-" H64 ".scope\n", ""); /* one colon */
	assert_int_equal(host_container_parse(cut, strlen(cut), out, sizeof(out)), 0);
	/* an id that does not fit is none, not a cut one */
	assert_int_equal(host_container_parse("0::/a/nginx.service\n", 20, small, sizeof(small)),
			 0);
	assert_string_equal(small, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runtimes),
		cmocka_unit_test(test_units_and_none),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
