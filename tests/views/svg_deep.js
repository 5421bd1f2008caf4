// svg_deep.js FILE.svg SCREENSHOT.png HOT LEAF SHARE_RE: open a deep flame
// graph in headless Chromium (a 1280x720 window) as a person would and print
// what it showed, as JSON:
//   height:      the SVG's height attribute
//   static_hot:  frame HOT's rect in the viewport with scripts off (an <img>
//                shows that picture): {x, y, width, height}, null if unseen
//   hot:         the same with the script, before any click
//   hover:       the details line with the mouse on HOT
//   leaf_start:  whether frame LEAF (the tip of the tower) was seen at first
//   leaf_clicks: clicks on a marked ("cut") frame of the last level until
//                LEAF is seen (-1: never, within 12); leaf: its rect then
//   reset_all:   the width of "all" after Reset Zoom; reset_hidden: whether
//                the Reset Zoom button is hidden then
//   bar_start:   the bar's text at first ("" if hidden); bar_clicks: clicks
//                on it until it hides (-1: never, within 12), all_after_bar:
//                the width of "all" then
//   search:      the Matched line of a search for SHARE_RE
// The screenshot is of the first view.
'use strict';
const path = require('path');
const { launch } = require(path.join(process.env.BROWSER_DIR, 'chromium.js'));

const [file, shot, hotName, leafName, searchRe] = process.argv.slice(2);
const VIEW = { width: 1280, height: 720 };

function frameOf(page, name) {
  return page.locator('#frames > g').filter({
    has: page.locator('title', { hasText: new RegExp('^' + name + '\\n') }),
  }).first();
}

// The rect's box if any of it is drawn inside the window, else null.
async function seen(g) {
  if (!(await g.count()) || !(await g.isVisible())) return null;
  const b = await g.locator('rect').boundingBox();
  if (!b || b.width <= 0 || b.x >= VIEW.width || b.y >= VIEW.height ||
      b.x + b.width <= 0 || b.y + b.height <= 0) return null;
  return { x: Math.round(b.x), y: Math.round(b.y), width: Math.round(b.width),
           height: Math.round(b.height) };
}

async function open(browser, js) {
  const page = await browser.newPage({ viewport: VIEW, javaScriptEnabled: js });
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  page.on('dialog', (d) => d.accept(searchRe));
  await page.goto('file://' + path.resolve(file));
  return page;
}

async function main() {
  const browser = await launch();
  const out = {};
  try {
    const still = await open(browser, false);
    out.static_hot = await seen(frameOf(still, hotName));
    await still.close();

    let page = await open(browser, true);
    out.height = Number(await page.locator('svg').first().getAttribute('height'));
    out.hot = await seen(frameOf(page, hotName));
    await page.screenshot({ path: shot });
    out.leaf_start = (await seen(frameOf(page, leafName))) !== null;
    if (out.hot) {
      await frameOf(page, hotName).locator('rect').hover();
      out.hover = await page.locator('#details').textContent();
    }
    out.bar_start = (await page.locator('#trunk').isVisible())
      ? await page.locator('#trunk text').textContent() : '';

    out.leaf_clicks = -1;
    for (let i = 0; i <= 12; i++) {
      if ((out.leaf = await seen(frameOf(page, leafName)))) {
        out.leaf_clicks = i;
        break;
      }
      const cut = page.locator('#frames > g.cut');
      if (!(await cut.count())) break;
      await cut.first().locator('rect').click();
    }
    if (await page.locator('#unzoom').isVisible()) await page.locator('#unzoom').click();
    out.reset_all = (await seen(frameOf(page, 'all')) || { width: 0 }).width;
    out.reset_hidden = !(await page.locator('#unzoom').isVisible());

    await page.close();
    page = await open(browser, true);
    out.bar_clicks = -1;
    for (let i = 0; i <= 12; i++) {
      if (!(await page.locator('#trunk').isVisible())) {
        out.bar_clicks = i;
        break;
      }
      await page.locator('#trunk rect').click();
    }
    out.all_after_bar = (await seen(frameOf(page, 'all')) || { width: 0 }).width;
    await page.locator('#search').click();
    out.search = await page.locator('#matched').textContent();
    out.errors = page.errors;
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
