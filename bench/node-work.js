// Benchmark workload: node busy in its C++ runtime (JSON, regular
// expressions, Buffers, sorting, Maps) as well as in JIT code, for
// ARGV[2] seconds.
const end = Date.now() + 1000 * Number(process.argv[2] || 3);
let n = 0;
while (Date.now() < end) {
	const o = { id: n, name: 'item' + n, tags: ['a', 'b', 'c'], nested: { x: n * 1.5, y: [1, 2, 3] } };
	const s = JSON.stringify([o, o, o, o]);
	n += JSON.parse(s).length;
	n += (s.match(/item\d+/g) || []).length;
	n += Buffer.from(s).toString('base64').length & 1;
	const a = Array.from({ length: 200 }, (_, i) => (i * 7919) % 211);
	a.sort((x, y) => x - y);
	const m = new Map(a.map((v, i) => [v, i]));
	n += m.size;
}
process.exitCode = n > 0 ? 0 : 1;
