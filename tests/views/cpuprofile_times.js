// cpuprofile_times.js FILE: the self time of each function in each thread
// of a .cpuprofile, computed from its timeDeltas as the tools that open it
// do, one line per (thread, function):
//   THREAD <tab> FUNCTION <tab> SAMPLES <tab> CHROME_US <tab> VSCODE_US
// THREAD is the node under "(root)" (cprof's "comm-PID/TID", or "(idle)").
// CHROME_US: Chrome DevTools (CPUProfileDataModel): timestamps are startTime
// plus the running sum of timeDeltas, a sample lasts until the next one's,
// and the last one the profile's average interval ((last - first) / (n - 1)).
// VSCODE_US: VS Code's js-profile-table (vscode-js-profile-core model.ts):
// sample i lasts timeDeltas[i + 1], the last one endTime - startTime less
// the sum of all the deltas.
'use strict';
const fs = require('fs');

const prof = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes)
	for (const c of n.children || [])
		parent.set(c, n.id);
const root = prof.nodes.find((n) => !parent.has(n.id));

// the node right under the root that ID descends from
function threadOf(id) {
	while (parent.has(id) && parent.get(id) !== root.id)
		id = parent.get(id);
	return byId.get(id).callFrame.functionName;
}

const { samples, timeDeltas } = prof;
const n = samples.length;
if (n !== timeDeltas.length)
	throw new Error(`${n} samples but ${timeDeltas.length} timeDeltas`);
const ts = [];
let t = prof.startTime;
for (const d of timeDeltas)
	ts.push((t += d));
const chrome = ts.map((x, i) => (i + 1 < n ? ts[i + 1] - x : n > 1 ? (ts[n - 1] - ts[0]) / (n - 1) : 0));
const sum = timeDeltas.reduce((a, b) => a + b, 0);
const vscode = timeDeltas.map((_, i) => (i + 1 < n ? timeDeltas[i + 1] : prof.endTime - prof.startTime - sum));

const rows = new Map();
samples.forEach((id, i) => {
	const key = `${threadOf(id)}\t${byId.get(id).callFrame.functionName}`;
	const r = rows.get(key) || { samples: 0, chrome: 0, vscode: 0 };
	r.samples++;
	r.chrome += chrome[i];
	r.vscode += vscode[i];
	rows.set(key, r);
});
for (const [key, r] of rows)
	console.log(`${key}\t${r.samples}\t${r.chrome.toFixed(1)}\t${r.vscode.toFixed(1)}`);
