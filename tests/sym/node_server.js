// Fixture: an HTTP server whose request handler calls hotHandler, and the
// client that loads it.
//	node node_server.js serve        prints "port N" once it listens
//	node node_server.js load PORT    requests without end, two at a time;
//	                                 prints "answered" after the first answer
// hotHandler is too big for V8 to inline: it keeps a frame of its own,
// under the handler's, as in a real server.
const http = require('http');

function hotHandler(n) {
	let s = 0;
	for (let i = 0; i < n; i++) {
		s = (s * 3 + i) % 1000003;
		s = (s * 4 + i) % 1000003;
		s = (s * 5 + i) % 1000003;
		s = (s * 6 + i) % 1000003;
		s = (s * 7 + i) % 1000003;
		s = (s * 8 + i) % 1000003;
		s = (s * 9 + i) % 1000003;
		s = (s * 10 + i) % 1000003;
		s = (s * 11 + i) % 1000003;
		s = (s * 12 + i) % 1000003;
		s = (s * 13 + i) % 1000003;
		s = (s * 14 + i) % 1000003;
		s = (s * 15 + i) % 1000003;
		s = (s * 16 + i) % 1000003;
		s = (s * 17 + i) % 1000003;
		s = (s * 18 + i) % 1000003;
		s = (s * 19 + i) % 1000003;
		s = (s * 20 + i) % 1000003;
		s = (s * 21 + i) % 1000003;
		s = (s * 22 + i) % 1000003;
		s = (s * 23 + i) % 1000003;
		s = (s * 24 + i) % 1000003;
		s = (s * 25 + i) % 1000003;
		s = (s * 26 + i) % 1000003;
		s = (s * 27 + i) % 1000003;
		s = (s * 28 + i) % 1000003;
		s = (s * 29 + i) % 1000003;
		s = (s * 30 + i) % 1000003;
		s = (s * 31 + i) % 1000003;
		s = (s * 32 + i) % 1000003;
		s = (s * 33 + i) % 1000003;
		s = (s * 34 + i) % 1000003;
		s = (s * 35 + i) % 1000003;
		s = (s * 36 + i) % 1000003;
		s = (s * 37 + i) % 1000003;
		s = (s * 38 + i) % 1000003;
		s = (s * 39 + i) % 1000003;
		s = (s * 40 + i) % 1000003;
		s = (s * 41 + i) % 1000003;
		s = (s * 42 + i) % 1000003;
		s = (s * 43 + i) % 1000003;
		s = (s * 44 + i) % 1000003;
		s = (s * 45 + i) % 1000003;
		s = (s * 46 + i) % 1000003;
		s = (s * 47 + i) % 1000003;
		s = (s * 48 + i) % 1000003;
		s = (s * 49 + i) % 1000003;
		s = (s * 50 + i) % 1000003;
		s = (s * 51 + i) % 1000003;
		s = (s * 52 + i) % 1000003;
		s = (s * 53 + i) % 1000003;
		s = (s * 54 + i) % 1000003;
		s = (s * 55 + i) % 1000003;
		s = (s * 56 + i) % 1000003;
		s = (s * 57 + i) % 1000003;
		s = (s * 58 + i) % 1000003;
		s = (s * 59 + i) % 1000003;
		s = (s * 60 + i) % 1000003;
		s = (s * 61 + i) % 1000003;
		s = (s * 62 + i) % 1000003;
	}
	return s;
}

function serve() {
	const srv = http.createServer((req, res) => { res.end(String(hotHandler(3000))); });

	srv.listen(0, '127.0.0.1', () => console.log('port ' + srv.address().port));
}

function load(port) {
	const agent = new http.Agent({ keepAlive: true });
	let told = false;
	const go = () => http.get({ host: '127.0.0.1', port, agent }, (r) => {
		r.resume();
		r.on('end', () => {
			if (!told)
				console.log('answered');
			told = true;
			go();
		});
	}).on('error', () => setTimeout(go, 10));

	go();
	go();
}

if (process.argv[2] === 'load')
	load(Number(process.argv[3]));
else
	serve();
