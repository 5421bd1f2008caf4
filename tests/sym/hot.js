// Fixture: a hot JavaScript function, named through node's perf map.
function fibHotJs(n) {
	return n < 2 ? n : fibHotJs(n - 1) + fibHotJs(n - 2);
}

function driveJsWork(ms) {
	let s = 0;
	const end = Date.now() + ms;
	while (Date.now() < end)
		s += fibHotJs(20);
	return s;
}

process.exitCode = driveJsWork(1000 * Number(process.argv[2] || 2)) > 0 ? 0 : 1;
