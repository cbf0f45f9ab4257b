// site.test.js: the course site in headless Chromium, as a learner uses it:
// opened from file://, no server.  Run by tests/browser/t0001-browser.t,
// which builds the site and sets BERTH_SITE (and BERTH_ARTIFACTS for the
// screenshots).  Debian's chromium, driven by playwright-core; axe-core
// checks accessibility.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { chromium } = require('playwright-core');

const SITE = process.env.BERTH_SITE;
const ARTIFACTS = process.env.BERTH_ARTIFACTS || path.join(os.tmpdir(), 'berth-artifacts');
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const url = (rel) => pathToFileURL(path.join(SITE, rel)).href;

let context, profile;
const problems = [];

async function newPage(opts) {
  const page = await context.newPage();
  if (opts && opts.viewport) await page.setViewportSize(opts.viewport);
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error on ${page.url()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error on ${page.url()}: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  page.on('request', (r) => {
    if (!r.url().startsWith('file://') && !r.url().startsWith('data:')) problems.push(`request outside the site: ${r.url()}`);
  });
  return page;
}

async function axe(page, what) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'], preload: false }));
  const v = result.violations.map((x) => `${x.id} (${x.impact}): ${x.help} — ${x.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
  assert.deepEqual(v, [], `axe violations on ${what}`);
}

before(async () => {
  assert.ok(SITE && fs.existsSync(path.join(SITE, 'index.html')), 'BERTH_SITE names a built site');
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  profile = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1366, height: 900 },
    colorScheme: 'light',
    locale: 'ko-KR',
  });
});

after(async () => {
  if (context) await context.close();
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
});

test('index.html over file:// leads to the Korean course map, and the sidebar to a lesson', async () => {
  const page = await newPage();
  await page.goto(url('index.html'));
  await page.waitForURL(/ko\/index\.html$/);
  assert.match(await page.title(), /과정/);
  await page.click('#sidebar a[data-lesson="what-is-a-container"]');
  await page.waitForURL(/ko\/what-is-a-container\.html$/);
  assert.equal(await page.textContent('main h1'), '컨테이너란 무엇인가');
  assert.equal(await page.getAttribute('#sidebar a[data-lesson="what-is-a-container"]', 'aria-current'), 'page');
  await page.close();
});

test('the language switch goes to the same lesson in English and back', async () => {
  const page = await newPage();
  await page.goto(url('ko/what-is-a-container.html'));
  await page.click('.lang-switch');
  await page.waitForURL(/en\/what-is-a-container\.html$/);
  assert.equal(await page.textContent('main h1'), 'What is a container?');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await page.click('.lang-switch');
  await page.waitForURL(/ko\/what-is-a-container\.html$/);
  await page.close();
});

test('the table of contents follows Hangul anchors', async () => {
  const page = await newPage();
  await page.goto(url('ko/what-is-a-container.html'));
  await page.click('.toc a[href="#프로세스-하나-벽-여러-개"]');
  assert.equal(decodeURIComponent(new URL(page.url()).hash), '#프로세스-하나-벽-여러-개');
  assert.ok(await page.isVisible('h2[id="프로세스-하나-벽-여러-개"]'));
  await page.close();
});

for (const [lang, query] of [['ko', '레이어'], ['ko', '레이'], ['en', 'layer'], ['en', 'Dockerfile'], ['ko', '커널']]) {
  test(`search "${query}" (${lang}) finds a page, shows the sentence, and opens the hit`, async () => {
    const page = await newPage();
    await page.goto(url(`${lang}/search.html`));
    await page.fill('#q', query);
    await page.waitForSelector('#results .result');
    const hit = page.locator('#results .result .hit a').first();
    const sentence = await hit.textContent();
    assert.ok(sentence.toLowerCase().includes(query.toLowerCase()), `the shown sentence "${sentence}" holds "${query}"`);
    assert.equal(await page.locator('#results .result .hit mark').first().textContent().then((t) => t.toLowerCase()),
      query.toLowerCase());
    await hit.click();
    await page.waitForLoadState('load');
    assert.ok(!page.url().includes('search.html'), 'the hit opened a page');
    const text = await page.textContent('main');
    assert.ok(text.toLowerCase().includes(query.toLowerCase()), `the page opened holds "${query}"`);
    await page.close();
  });
}

test('search takes ?q= from the URL (the header box) and says when nothing is found', async () => {
  const page = await newPage();
  await page.goto(url('en/search.html') + '?q=zzzzqqq');
  await page.waitForFunction(() => document.getElementById('search-status').textContent.length > 0);
  assert.equal(await page.locator('#results .result').count(), 0);
  assert.match(await page.textContent('#search-status'), /Nothing found/);
  await page.goto(url('ko/index.html'));
  await page.fill('.search-box input', '컨테이너');
  await page.press('.search-box input', 'Enter');
  await page.waitForURL(/search\.html\?q=/);
  await page.waitForSelector('#results .result');
  await page.close();
});

test('hints open one at a time, and fold again', async () => {
  const page = await newPage();
  await page.goto(url('ko/what-is-a-container.html'));
  // The first exercise of the lesson (engine-version) has two hints.
  const hints = page.locator('#exercise-engine-version details.hint');
  assert.equal(await hints.count(), 2);
  assert.ok(await hints.nth(0).isVisible(), 'the first hint is offered');
  assert.ok(!(await hints.nth(1).isVisible()), 'the second waits');
  await hints.nth(0).locator('summary').click();
  assert.ok(await hints.nth(0).locator('.hint-body').isVisible(), 'the first hint unfolds');
  await hints.nth(1).waitFor({ state: 'visible' });
  await hints.nth(0).locator('summary').click();
  assert.ok(!(await hints.nth(0).locator('.hint-body').isVisible()), 'and folds again');
  const sol = page.locator('#exercise-engine-version details.solution');
  assert.ok(!(await sol.locator('pre').isVisible()), 'the solution starts folded');
  await page.close();
});

test('with JavaScript off, every hint is still there to unfold', async () => {
  const noJs = await chromium.launch({
    executablePath: '/usr/bin/chromium', headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const ctx = await noJs.newContext({ javaScriptEnabled: false });
  const page = await ctx.newPage();
  await page.goto(url('en/what-is-a-container.html'));
  const hints = page.locator('details.hint');
  assert.ok(await hints.nth(1).isVisible(), 'both hints are shown, closed');
  await hints.nth(1).locator('summary').click();
  assert.ok(await hints.nth(1).locator('.hint-body').isVisible());
  assert.equal(await page.locator('.copy').count(), 0, 'no copy buttons without the script that runs them');
  await noJs.close();
});

test('a console block copies only its commands', async () => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']).catch(() => {});
  const page = await newPage();
  await page.goto(url('en/what-is-a-container.html'));
  const block = page.locator('.content .code[data-lang="console"]').first();
  await block.locator('.copy').click();
  await page.waitForFunction(() => window.berthLastCopy !== undefined);
  assert.equal(await page.evaluate(() => window.berthLastCopy), 'berth version');
  const clip = await page.evaluate(() => navigator.clipboard.readText().catch(() => null));
  if (clip !== null) assert.equal(clip, 'berth version', 'the clipboard holds the command, not its output');
  const ex = page.locator('.exercise .code[data-lang="console"]').first();
  await ex.locator('.copy').click();
  await page.waitForFunction(() => window.berthLastCopy.includes('start'));
  assert.equal(await page.evaluate(() => window.berthLastCopy),
    'berth lab start engine-version\nberth lab check engine-version');
  await page.close();
});

test('dark mode toggles, is remembered, and follows the system until chosen', async () => {
  const page = await newPage();
  await page.goto(url('ko/what-is-a-container.html'));
  const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const light = await bg();
  await page.click('.theme-toggle');
  assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
  assert.notEqual(await bg(), light);
  assert.equal(await page.getAttribute('.theme-toggle', 'aria-pressed'), 'true');
  await page.goto(url('en/index.html'));
  assert.equal(await page.getAttribute('html', 'data-theme'), 'dark', 'remembered on another page');
  await page.click('.theme-toggle');
  assert.equal(await page.getAttribute('html', 'data-theme'), 'light');
  await page.evaluate(() => localStorage.removeItem('berth-theme'));
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.reload();
  assert.equal(await page.getAttribute('html', 'data-theme'), null);
  assert.equal(await page.getAttribute('.theme-toggle', 'aria-pressed'), 'true', 'the system is dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await page.close();
});

test('marking a lesson done shows on the course map', async () => {
  const page = await newPage();
  await page.goto(url('ko/what-is-a-container.html'));
  await page.click('.mark-done');
  assert.equal(await page.getAttribute('.mark-done', 'aria-pressed'), 'true');
  await page.goto(url('ko/index.html'));
  assert.equal(await page.textContent('.progress-count'), '1');
  assert.ok(await page.isVisible('.lesson-card.done'));
  await page.goto(url('ko/what-is-a-container.html'));
  await page.click('.mark-done');
  await page.close();
});

test('the starter file downloads from a link inside the site', async () => {
  const page = await newPage();
  await page.goto(url('ko/what-is-a-container.html'));
  const href = await page.getAttribute('.exercise a.download', 'href');
  const target = path.resolve(path.join(SITE, 'ko'), href);
  assert.ok(target.startsWith(SITE) && fs.existsSync(target), `${href} is a file in the site`);
  await page.close();
});

test('the phone menu opens the sidebar', async () => {
  const page = await newPage({ viewport: { width: 390, height: 844 } });
  await page.goto(url('ko/what-is-a-container.html'));
  assert.ok(!(await page.isVisible('#sidebar')), 'folded on a phone');
  await page.click('.nav-toggle');
  assert.ok(await page.isVisible('#sidebar a[data-lesson="what-is-a-container"]'));
  await page.close();
});

test('axe-core finds no violations on the home, a lesson and the search page, in both themes', async () => {
  const page = await newPage();
  for (const theme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: theme });
    for (const rel of ['ko/index.html', 'ko/what-is-a-container.html', 'en/what-is-a-container.html',
      'ko/glossary.html']) {
      await page.goto(url(rel));
      await axe(page, `${rel} (${theme})`);
    }
    await page.goto(url('ko/search.html') + '?q=' + encodeURIComponent('컨테이너'));
    await page.waitForSelector('#results .result');
    await axe(page, `ko/search.html with results (${theme})`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.close();
});

test('screenshots of a lesson in both themes, both languages, and on a phone', async () => {
  const shots = [];
  for (const lang of ['ko', 'en']) {
    for (const theme of ['light', 'dark']) {
      const page = await newPage();
      await page.emulateMedia({ colorScheme: theme });
      await page.goto(url(`${lang}/what-is-a-container.html`));
      const file = path.join(ARTIFACTS, `lesson-${lang}-${theme}.png`);
      await page.screenshot({ path: file, fullPage: true });
      shots.push(file);
      await page.close();
    }
  }
  for (const [name, rel, theme] of [['phone-lesson-ko-light', 'ko/what-is-a-container.html', 'light'],
    ['phone-home-ko-dark', 'ko/index.html', 'dark'], ['phone-search-en-light', 'en/search.html?q=layer', 'light']]) {
    const page = await newPage({ viewport: { width: 390, height: 844 } });
    await page.emulateMedia({ colorScheme: theme });
    await page.goto(url(rel.split('?')[0]) + (rel.includes('?') ? '?' + rel.split('?')[1] : ''));
    const file = path.join(ARTIFACTS, `${name}.png`);
    await page.screenshot({ path: file, fullPage: false });
    shots.push(file);
    await page.close();
  }
  const page = await newPage();
  await page.goto(url('ko/index.html'));
  await page.screenshot({ path: path.join(ARTIFACTS, 'home-ko-light.png'), fullPage: true });
  await page.close();
  for (const f of shots) assert.ok(fs.statSync(f).size > 10000, `${f} was written`);
});

test('print.html and the 404 page load without errors', async () => {
  const page = await newPage();
  await page.goto(url('en/print.html'));
  assert.ok(await page.isVisible('article.print-lesson'));
  await page.emulateMedia({ media: 'print' });
  assert.ok(!(await page.isVisible('header.top')), 'the header is not printed');
  await page.emulateMedia({ media: 'screen' });
  await page.goto(url('404.html'));
  assert.equal(await page.textContent('h1'), '404');
  await page.close();
});

test('no console errors, failed requests or requests outside the site on any page', () => {
  assert.deepEqual(problems, []);
});
