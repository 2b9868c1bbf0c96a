// docs-browser.js URL SCREENSHOT: opens the /docs/ page in headless
// chromium (Debian's, driven by puppeteer-core) and checks what a reader
// sees: swagger-ui's stylesheet applies, every operation is listed, and
// "Try it out" + "Execute" on POST /predict (with the example body) answers
// a prediction from the feature store. Prints "ok - ..." / "FAIL - ..."
// lines; exits non-zero on any failure.
'use strict';
const puppeteer = require('puppeteer-core');

const [url, shot] = process.argv.slice(2);
const chromium = process.env.RP_CHROMIUM || '/usr/bin/chromium';
let failed = 0;
function check(desc, cond, why) {
  console.log((cond ? 'ok   - ' : 'FAIL - ') + desc + (cond || !why ? '' : '\n     ' + why));
  if (!cond) failed++;
}

(async () => {
  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    // root in CI has no user namespace for the sandbox
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 1600 });
    const types = {};
    page.on('response', (r) => { types[r.url()] = r.headers()['content-type'] || ''; });
    await page.goto(url, { waitUntil: 'networkidle0', timeout: 30000 });

    const css = Object.keys(types).find((u) => u.endsWith('swagger-ui.css'));
    check('swagger-ui.css is served as text/css (' + (css ? types[css] : 'not loaded') + ')',
          css && types[css].startsWith('text/css'));

    const listed = await page.waitForSelector('.opblock', { timeout: 20000 })
      .then(() => true, () => false);
    check('swagger-ui rendered the operations', listed);

    // a rule of swagger-ui.css that only applies when the sheet is used
    const style = await page.evaluate(() => {
      const el = document.querySelector('.opblock.opblock-post');
      const sheets = Array.from(document.styleSheets)
        .filter((s) => (s.href || '').endsWith('swagger-ui.css'));
      let rules = 0;
      try { rules = sheets.length ? sheets[0].cssRules.length : 0; } catch (e) { rules = -1; }
      return { bg: el ? getComputedStyle(el).backgroundColor : null,
               border: el ? getComputedStyle(el).borderTopColor : null, rules };
    });
    check('the stylesheet applies (' + style.rules + ' rules; POST block background '
          + style.bg + ')',
          style.rules > 0 && style.bg && style.bg !== 'rgba(0, 0, 0, 0)');

    const ops = await page.$$eval('.opblock', (els) => els.map((e) =>
      (e.querySelector('.opblock-summary-method') || {}).textContent + ' '
      + (e.querySelector('.opblock-summary-path') || {}).textContent));
    for (const want of ['GET /', 'POST /predict', 'POST /predict/batch', 'GET /model/info',
                        'GET /features/{user_id}', 'GET /metrics']) {
      check('operation listed: ' + want,
            ops.some((o) => o.replace(/\u200b/g, '') === want), 'listed: ' + ops.join(', '));
    }

    // Try it out on POST /predict
    const handle = await page.evaluateHandle(() => Array.from(
      document.querySelectorAll('.opblock.opblock-post')).find((e) =>
        (e.querySelector('.opblock-summary-path') || {}).textContent
          .replace(/\u200b/g, '') === '/predict'));
    const block = handle.asElement();
    check('POST /predict has a block', block !== null);
    if (block) {
      await (await block.$('.opblock-summary')).click();
      const tryBtn = await block.waitForSelector('.try-out__btn', { timeout: 10000 });
      await tryBtn.click();
      const exec = await block.waitForSelector('.btn.execute', { timeout: 10000 });
      await exec.click();
      const bodyEl = await block.waitForSelector(
        '.live-responses-table .response-col_description pre, .live-responses-table .highlight-code pre',
        { timeout: 15000 }).catch(() => null);
      const text = bodyEl ? await bodyEl.evaluate((e) => e.textContent) : '';
      let answer = null;
      try { answer = JSON.parse(text); } catch (e) { answer = null; }
      check('Try it out: POST /predict answers JSON', answer !== null, text.slice(0, 300));
      if (answer) {
        check('Try it out: a probability for ' + answer.user_id + ' / ' + answer.product_id
              + ' (' + answer.repeat_purchase_probability + ')',
              typeof answer.repeat_purchase_probability === 'number');
        check('Try it out: features_source is "store" (' + answer.features_source + ')',
              answer.features_source === 'store');
      }
    }
    if (shot) await page.screenshot({ path: shot, fullPage: false });
  } finally {
    await browser.close();
  }
  process.exit(failed ? 1 : 0);
})().catch((e) => { console.log('FAIL - the browser run: ' + e.message); process.exit(1); });
