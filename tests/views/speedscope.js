// speedscope.js OUTDIR FILE... - load each profile FILE in speedscope's own
// importer (the npm package's built web app in headless chromium) and print
// what it parsed, one fact a line, tab-separated, for speedscope.sh to check:
//
//   importer FILE  HOW                 speedscope's console "Importing as HOW"
//   profile  FILE  NAME                every profile (thread) it lists
//   row      FILE  PROFILE  SYMBOL  TOTAL  SELF   its sandwich table, values
//                                      in nanoseconds (time units) or counts
//   schema   FILE  ok|ERROR            FILE against the package's
//                                      file-format-schema.json (*.speedscope.json)
//
// The app and the files are served from a localhost http server; each file
// is opened through speedscope's #profileURL= import path. The profile list
// is read from the toolbar ("NAME (i/N)"), walking the profiles with the
// 'n'/'p' keys; the table from the sandwich view's DOM. Screenshots of the
// time-order view go to OUTDIR/speedscope-BASENAME.png.
'use strict';
const http = require('http');
const fs = require('fs');
const path = require('path');
const { launch } = require(path.join(process.env.BROWSER_DIR, 'chromium.js'));

const app = path.join(process.env.BROWSER_DIR, 'node_modules/speedscope/dist/release');
const [outdir, ...files] = process.argv.slice(2);

// A draft-07 JSON Schema subset, enough for speedscope's schema: $ref to
// #/definitions, type, const, enum, properties, required, items, anyOf.
function validate(schema, root, v, where) {
  if (schema.$ref)
    return validate(root.definitions[schema.$ref.replace('#/definitions/', '')], root, v, where);
  if (schema.anyOf) {
    const errs = schema.anyOf.map(s => validate(s, root, v, where));
    return errs.some(e => e.length === 0) ? [] : [`${where}: matches none of anyOf (${errs.map(e => e[0]).join('; ')})`];
  }
  const type = Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v;
  if (schema.type && schema.type !== type && !(schema.type === 'integer' && Number.isInteger(v)))
    return [`${where}: ${type}, want ${schema.type}`];
  if ('const' in schema && v !== schema.const)
    return [`${where}: ${JSON.stringify(v)}, want ${JSON.stringify(schema.const)}`];
  if (schema.enum && !schema.enum.includes(v))
    return [`${where}: ${JSON.stringify(v)} not in ${JSON.stringify(schema.enum)}`];
  let errs = [];
  if (type === 'object') {
    for (const k of schema.required || [])
      if (!(k in v))
        errs.push(`${where}: no ${k}`);
    for (const [k, s] of Object.entries(schema.properties || {}))
      if (k in v)
        errs = errs.concat(validate(s, root, v[k], `${where}.${k}`));
  }
  if (type === 'array' && schema.items)
    for (let i = 0; i < v.length && errs.length < 5; i++)
      errs = errs.concat(validate(schema.items, root, v[i], `${where}[${i}]`));
  return errs;
}

function schemaCheck(file) {
  const schema = JSON.parse(fs.readFileSync(path.join(app, 'file-format-schema.json'), 'utf8'));
  let doc;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    return `not JSON: ${e.message}`;
  }
  const errs = validate(schema.definitions['FileFormat.File'], schema, doc, '$');
  return errs.length ? errs.slice(0, 5).join(' | ') : 'ok';
}

// "567.57ms (50%)" -> nanoseconds; "1,130 (100%)" -> 1130.
function value(text) {
  const m = /^\s*([0-9.]+)\s*(ns|µs|us|ms|s|min|h|K|M)?/.exec(text.replace(/,/g, ''));
  if (!m)
    return NaN;
  const scale = { ns: 1, 'µs': 1e3, us: 1e3, ms: 1e6, s: 1e9, min: 60e9, h: 3600e9, K: 1e3, M: 1e6 };
  return parseFloat(m[1]) * (m[2] ? scale[m[2]] : 1);
}

async function toolbarTitle(page) {
  // the toolbar's middle: the profile's name, then "(i/N)" when there are several
  const lines = (await page.evaluate(() => document.body.innerText)).split('\n');
  const i = lines.findIndex(l => l.includes('Sandwich'));
  const t = i >= 0 ? lines[i + 1] : '';
  const m = /^(.*) \((\d+)\/(\d+)\)$/.exec(t);
  return m ? { name: m[1], i: +m[2], n: +m[3] } : { name: t, i: 1, n: 1 };
}

async function sandwichRows(page) {
  const lines = (await page.evaluate(() => document.body.innerText)).split('\n');
  const start = lines.findIndex(l => /^Total\s+Self\s+Symbol Name/.test(l));
  const rows = [];
  if (start < 0)
    return rows;
  for (let i = start + 1; i + 2 < lines.length + 1 && /\(/.test(lines[i] || ''); i += 3)
    rows.push({ total: value(lines[i]), self: value(lines[i + 1]), name: lines[i + 2].trim() });
  return rows;
}

async function main() {
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent(req.url.split(/[?#]/)[0]);
    const file = url.startsWith('/profile/') ? files.find(f => '/profile/' + path.basename(f) === url)
                                             : path.join(app, path.normalize(url));
    fs.readFile(file || '/nonexistent', (err, data) => {
      res.writeHead(err ? 404 : 200);
      res.end(err ? '' : data);
    });
  });
  await new Promise(r => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await launch();
  const out = [];
  try {
    for (const file of files) {
      const label = path.basename(file);
      const page = await browser.newPage({ viewport: { width: 1400, height: 1600 } });
      let importer = 'none';
      const errors = [];
      page.on('console', m => {
        const h = /^Importing as (.*)$/.exec(m.text());
        if (h)
          importer = h[1];
      });
      page.on('pageerror', e => errors.push(e.message));
      page.on('dialog', d => { errors.push(`dialog: ${d.message()}`); d.dismiss(); });
      const profileURL = `${base}/profile/${encodeURIComponent(label)}`;
      await page.goto(`${base}/index.html#profileURL=${encodeURIComponent(profileURL)}`);
      // loaded: the view tabs and a flame chart canvas are there, the landing page is gone
      await page.waitForFunction(() => document.body.innerText.includes('Sandwich') &&
                                       !document.body.innerText.includes('Drag and drop'),
                                 null, { timeout: 20000 }).catch(() => {});
      await page.waitForTimeout(500);
      await page.screenshot({ path: path.join(outdir, `speedscope-${label}.png`) });
      out.push(['importer', label, importer]);
      for (const e of errors)
        out.push(['error', label, e]);
      if (label.endsWith('.speedscope.json'))
        out.push(['schema', label, schemaCheck(file)]);
      let t = await toolbarTitle(page);
      for (let k = 0; k < t.n && t.i > 1; k++) {
        await page.keyboard.press('p');
        t = await toolbarTitle(page);
      }
      await page.keyboard.press('3'); // the sandwich view
      for (let k = 0; k < t.n; k++) {
        await page.waitForTimeout(200);
        t = await toolbarTitle(page);
        out.push(['profile', label, t.name]);
        for (const r of await sandwichRows(page))
          out.push(['row', label, t.name, r.name, r.total, r.self]);
        await page.keyboard.press('n');
      }
      await page.close();
    }
  } finally {
    await browser.close();
    server.close();
  }
  console.log(out.map(l => l.join('\t')).join('\n'));
}

main().catch(e => { console.error(e); process.exit(1); });
