// svg.js FILE.svg SCREENSHOT.png HOVER ZOOM SEARCH: drive cprof's flame graph
// in headless Chromium as a person would and print what it showed, as JSON:
//   hover:    the details line after the mouse rests on frame HOVER
//   search:   the "Matched" line after the Search button and a prompt
//             answered with the regex SEARCH; ctrlf: the same through Ctrl-F
//   zoom:     frame ZOOM's rect width before and after a click on it, the
//             full width, whether HOVER is hidden then, and the width after
//             Reset Zoom
// The screenshot is taken after the zoom is reset, with SEARCH highlighted.
'use strict';
const path = require('path');
const { launch } = require(path.join(process.env.BROWSER_DIR, 'chromium.js'));

const [file, shot, hoverName, zoomName, searchRe] = process.argv.slice(2);

// The <g> of the frame whose tooltip's first line is NAME (the first one).
function frameOf(page, name) {
  return page.locator('#frames > g').filter({
    has: page.locator('title', { hasText: new RegExp('^' + name + '\\n') }),
  }).first();
}

async function rectWidth(g) {
  return Number(await g.locator('rect').getAttribute('width'));
}

async function main() {
  const browser = await launch();
  const out = {};
  try {
    const page = await browser.newPage({ viewport: { width: 1250, height: 400 } });
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    let answer = searchRe;
    page.on('dialog', (d) => d.accept(answer));
    await page.goto('file://' + path.resolve(file));
    const svgWidth = Number(await page.locator('svg').first().getAttribute('width'));

    const hover = frameOf(page, hoverName);
    await hover.locator('rect').hover();
    out.hover = await page.locator('#details').textContent();

    await page.locator('#search').click();
    out.search = await page.locator('#matched').textContent();
    out.highlighted = await page.locator('#frames rect[fill="#e600e6"]').count();
    await page.locator('#search').click();         // Reset Search
    out.reset_search = await page.locator('#matched').textContent();
    await page.locator('svg').first().click({ position: { x: 2, y: 2 } });
    await page.keyboard.press('Control+F');
    out.ctrlf = await page.locator('#matched').textContent();

    const zoom = frameOf(page, zoomName);
    out.zoom_before = await rectWidth(zoom);
    await zoom.locator('rect').click();
    out.zoom_after = await rectWidth(zoom);
    out.full_width = svgWidth - 20;
    out.hover_hidden_in_zoom = !(await hover.isVisible());
    await page.locator('#unzoom').click();
    out.zoom_reset = await rectWidth(zoom);
    out.unzoom_hidden = !(await page.locator('#unzoom').isVisible());

    // fullPage never finishes on an SVG document: fit the viewport instead
    const svgHeight = Number(await page.locator('svg').first().getAttribute('height'));
    await page.setViewportSize({ width: svgWidth, height: svgHeight });
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
