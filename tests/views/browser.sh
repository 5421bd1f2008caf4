# shellcheck shell=bash
# browser.sh - sourced after tests/e2e/lib.sh by the flame graph tests.
#
# require_svg_clients: what reads the SVG is here (headless Chromium driven
# by tests/browser's playwright-core, node, xmllint), or the test skips
# (no chromium) or fails (the rest is part of the test setup).
require_svg_clients()
{
	: "${BROWSER_DIR:?set BROWSER_DIR to tests/browser}"
	: "${ARTIFACT_DIR:?set ARTIFACT_DIR to where screenshots go}"
	[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || skip "chromium not found (apt-get install chromium)"
	command -v node >/dev/null || fail "node not found (apt-get install nodejs)"
	[ -d "$BROWSER_DIR/node_modules/playwright-core" ] ||
		fail "playwright-core missing: run 'cd $BROWSER_DIR && npm ci'"
	command -v xmllint >/dev/null || fail "xmllint not found (apt-get install libxml2-utils)"
	mkdir -p "$ARTIFACT_DIR"
}
