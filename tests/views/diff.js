// diff.js FILE.svg SCREENSHOT.png HOVER SEARCH: open cprof's differential
// flame graph in headless Chromium and print, as JSON, the details line after
// the mouse rests on frame HOVER, the "Matched" line of a search for SEARCH,
// the fill of HOVER's rect, and the page's script errors.
'use strict';
const path = require('path');
const { launch } = require(path.join(process.env.BROWSER_DIR, 'chromium.js'));

const [file, shot, hoverName, searchRe] = process.argv.slice(2);

async function main() {
  const browser = await launch();
  const out = {};
  try {
    const page = await browser.newPage({ viewport: { width: 1250, height: 400 } });
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('dialog', (d) => d.accept(searchRe));
    await page.goto('file://' + path.resolve(file));
    const g = page.locator('#frames > g').filter({
      has: page.locator('title', { hasText: new RegExp('^' + hoverName + '\\n') }),
    }).first();
    await g.locator('rect').hover();
    out.hover = await page.locator('#details').textContent();
    out.fill = await g.locator('rect').getAttribute('fill');
    await page.locator('#search').click();
    out.search = await page.locator('#matched').textContent();
    await page.locator('#search').click();
    out.fill_after_reset = await g.locator('rect').getAttribute('fill');
    await page.screenshot({ path: shot });
    out.errors = errors;
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
