// Fixture: short-lived closures of two functions, made in alternation
// under heavy allocation, so that V8's collector moves and reuses the
// young objects a sample saw: driveA only ever runs closureAWork, driveB
// only closureBWork. Their bodies are too big for V8 to inline them.
const body = Array.from({ length: 150 }, (_, j) => `s += (a[${j % 7}] ^ k) + ${j};`).join('\n');
const srcA = `(function closureAWork() { const a = [1, 2, 3, 4, 5, 6, 7], o = []; let s = 0;
	for (let i = 0; i < 40; i++) { ${body} o.push({ s, t: 'a' + i }); } return s + o.length; })`;
const srcB = `(function closureBWork() { const a = [7, 6, 5, 4, 3, 2, 1], o = []; let s = 1;
	for (let i = 0; i < 40; i++) { ${body} o.push([s, i]); } return s - o.length; })`;

// big as well, so that runClosures keeps their frames
const driveA = eval(`(function driveA(k) { const a = [3, 1, 4, 1, 5, 9, 2]; let s = 0; ${body}
	return s + eval(srcA)(); })`);
const driveB = eval(`(function driveB(k) { const a = [2, 7, 1, 8, 2, 8, 1]; let s = 0; ${body}
	return s + eval(srcB)(); })`);

function runClosures(ms) {
	let s = 0;
	const end = Date.now() + ms;
	for (let k = 0; Date.now() < end; k++)
		s += k & 1 ? driveA(k) : driveB(k);
	return s;
}

process.exitCode = runClosures(1000 * Number(process.argv[2] || 2)) !== 0.5 ? 0 : 1;
