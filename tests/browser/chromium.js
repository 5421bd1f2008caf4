// Launch Debian's chromium headless through playwright-core (no browser
// download): the flags keep it off this machine's closed network.
'use strict';
const { chromium } = require('playwright-core');

async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

module.exports = { launch };
