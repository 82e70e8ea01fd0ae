// The entitlement page (dev.ledger.console.EntitlementPageTest).
import { env, open, run, screenshot, signIn, tab } from './lib.mjs';

const hash = () => `#/users/${encodeURIComponent(env('USER_ID'))}/entitlements/${encodeURIComponent(env('KEY'))}`;

/** Opens the page and waits until the chart, the explanation and the history are drawn. */
async function openPage(page) {
  await open(page, hash());
  await page.locator('section.entitlement').waitFor();
  await page.locator('table.chart-data').waitFor({ state: 'attached' });
  await page.locator('.explain-body .explanation').waitFor();
  await page.locator('ol.timeline > li.entry').first().waitFor();
}

const readBar = (page) =>
  page.locator('.ent-summary [role=meter]').evaluate((bar) => ({
    used: Number(bar.dataset.used),
    limit: Number(bar.dataset.limit),
    label: document.querySelector('.ent-summary .used-of-limit')?.textContent,
  }));

const readPoints = (page) =>
  page.locator('table.chart-data tbody tr').evaluateAll((rows) =>
    rows.map((row) => ({
      window: row.dataset.window,
      at: row.dataset.at,
      used: Number(row.dataset.used),
      kind: row.dataset.kind,
    })),
  );

const readTimeline = (page) =>
  page.locator('ol.timeline > li.entry').evaluateAll((items) =>
    items.map((item) => ({ type: item.dataset.type, text: item.querySelector('summary').innerText })),
  );

const readExplanation = (page) =>
  page.locator('.explain-body .explanation').evaluate((element) => ({
    used: Number(element.dataset.used),
    periodStart: element.dataset.periodStart,
    total: element.querySelector('.explain-total')?.textContent ?? null,
    entries: [...element.querySelectorAll('table.explain-entries tbody tr')].map((row) => ({
      type: row.dataset.type,
      usedAfter: Number(row.dataset.usedAfter),
    })),
    tableCheck: element.querySelector('.table-check')?.textContent ?? null,
  }));

/** The names of every action button a person could press. */
const actionButtons = (page) =>
  page
    .locator('section.entitlement button')
    .evaluateAll((buttons) =>
      buttons
        .map((b) => b.textContent.trim())
        .filter((name) => /preview|confirm|deactivate|activate|reset|policy/i.test(name)),
    );

/** Waits for an action's message in its form, then for the page to have redrawn. */
async function actionDone(page, form, text) {
  await page.locator(`form.${form} .done`, { hasText: text }).waitFor();
  await page.locator('p.updating', { hasText: 'Up to date.' }).waitFor();
}

async function lookUp(page, key) {
  await page.getByLabel('Dedup key or message id').fill(key);
  await page.getByRole('button', { name: 'Look up' }).click();
  const result = page.locator('.record-result > *').first();
  // whatever the page shows for this key: its record, or a problem
  await page.waitForFunction((k) => {
    const shown = document.querySelector('.record-result:not([aria-busy]) > *');
    return shown && (!shown.classList.contains('usage-record') || shown.textContent.includes(k));
  }, key);
  return result.evaluate((element) => ({
    status: element.dataset.status ?? null,
    amount: element.querySelector('.record-amount')?.textContent ?? null,
    reversed: element.querySelector('.record-reversed')?.textContent ?? null,
    messageIds: [...element.querySelectorAll('.message-ids code')].map((c) => c.textContent),
    reasonCodes: [...element.querySelectorAll('.record-rejections tbody tr')].map((r) => r.dataset.reasonCode),
    problemCode: element.querySelector('.problem-code')?.textContent ?? null,
    text: element.innerText,
  }));
}

/** The seeded entitlement: its bar, every point of the chart (the data table), the canvas. */
async function chart(browser) {
  const { page, errors } = await tab(browser);
  await signIn(page);
  await openPage(page);
  const bar = await readBar(page);
  const points = await readPoints(page);
  const canvas = await page.locator('.chart canvas').count();
  const heading = await page.locator('h1').innerText();
  const userLink = await page.locator('h1 a').getAttribute('href');
  await page.locator('.chart-details summary').click();
  await screenshot(page, 'entitlement');
  return { bar, points, canvas, heading, userLink, errors };
}

/** READER: no action buttons; the explanation (current and an earlier window) and the lookup still work. */
async function reader(browser) {
  const { page, errors } = await tab(browser);
  await signIn(page);
  await openPage(page);
  const buttons = await actionButtons(page);
  const actionsPanel = await page.locator('section.actions').count();
  const current = await readExplanation(page);
  const select = page.getByLabel('Window', { exact: true });
  const choices = await select.locator('option').evaluateAll((options) => options.map((o) => o.value));
  await select.selectOption(choices.find((value) => value && Date.parse(value) === Date.parse(env('EARLIER'))));
  await page.waitForFunction(
    (start) => Date.parse(document.querySelector('.explain-body .explanation')?.dataset.periodStart) === Date.parse(start),
    env('EARLIER'),
  );
  const earlier = await readExplanation(page);
  const counted = await lookUp(page, env('COUNTED_KEY'));
  const rejected = await lookUp(page, env('REJECTED_KEY'));
  return { buttons, actionsPanel, current, choices, earlier, counted, rejected, errors };
}

/** At 1024 px wide, with every panel open, nothing overflows sideways. */
async function narrow(browser) {
  const { page, errors } = await tab(browser, { width: 1024, height: 800 });
  await signIn(page);
  await openPage(page);
  await page.locator('.chart-details summary').click();
  await page.getByLabel('Dedup key of the usage').fill(env('COUNTED_KEY'));
  await page.getByLabel('Reason (required)').first().fill('checking the layout');
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.locator('.reversal-preview .preview').waitFor();
  // the chart follows its container: its canvas is not cut off, and nothing sticks out of the page
  const chartWidth = await page.locator('.chart').evaluate((e) => e.getBoundingClientRect().right);
  const plotWidth = await page.locator('.chart .uplot').evaluate((e) => e.getBoundingClientRect().width);
  const containerWidth = await page.locator('.chart').evaluate((e) => e.clientWidth);
  const scrollWidth = await page.evaluate(() => document.scrollingElement.scrollWidth);
  await screenshot(page, 'entitlement-1024');
  return { scrollWidth, chartWidth, plotWidth, containerWidth, errors };
}

/** ADMIN previews a reversal, confirms it with a double click, and sees the page follow. */
async function reverse(browser) {
  const { page, errors } = await tab(browser);
  await signIn(page);
  await openPage(page);
  const barBefore = await readBar(page);
  await page.getByLabel('Dedup key of the usage').fill(env('DEDUP_KEY'));
  await page.getByLabel('Amount (optional)').fill(env('AMOUNT'));
  await page.locator('form.reverse').getByLabel('Reason (required)').fill(env('REASON'));
  await page.getByRole('button', { name: 'Preview' }).click();
  const preview = page.locator('.reversal-preview .preview');
  await preview.waitFor();
  const shown = await preview.evaluate((element) => ({
    before: Number(element.querySelector('.used-before').textContent),
    after: Number(element.querySelector('.used-after').textContent),
    current: element.dataset.current,
    text: element.innerText,
  }));
  await screenshot(page, 'entitlement-reverse-preview');
  // a double click reverses once: the button is disabled at once, and both would carry the same Idempotency-Key
  await page.getByRole('button', { name: 'Confirm reversal' }).dblclick();
  await actionDone(page, 'reverse', 'Reversed');
  const message = await page.locator('form.reverse .done').innerText();
  const barAfter = await readBar(page);
  const points = await readPoints(page);
  const entries = await readTimeline(page);
  const explanation = await readExplanation(page);
  await page.locator('.chart-details summary').click();
  await screenshot(page, 'entitlement-reversed');
  return { barBefore, preview: shown, message, barAfter, points, timeline: entries, explanation, errors };
}

/** ADMIN resets with a reason, deactivates, and changes the policy; the page follows each without a reload. */
async function actions(browser) {
  const { page, errors } = await tab(browser);
  await signIn(page);
  await openPage(page);
  await page.evaluate(() => {
    window.sameDocument = true;
  });
  const barBefore = await readBar(page);

  await page.locator('form.reset').getByLabel('Reason (required)').fill(env('REASON'));
  await page.getByRole('button', { name: 'Reset the count to 0' }).click();
  await actionDone(page, 'reset', 'Reset');
  const afterReset = { bar: await readBar(page), points: await readPoints(page), timeline: await readTimeline(page) };

  await page.locator('form.activation').getByLabel('Reason (optional)').fill('paused by the console test');
  await page.getByRole('button', { name: 'Deactivate' }).click();
  await actionDone(page, 'activation', 'Deactivated');
  const afterDeactivate = {
    state: await page.locator('.ent-summary .state').innerText(),
    button: await page.locator('form.activation button').innerText(),
    timeline: await readTimeline(page),
  };

  await page.getByLabel('Limit', { exact: true }).fill(env('NEW_LIMIT'));
  await page.getByRole('button', { name: 'Change the policy' }).click();
  await actionDone(page, 'policy', 'The policy is now');
  const afterPolicy = { bar: await readBar(page), policy: await page.locator('.ent-summary .policy').innerText() };
  const sameDocument = await page.evaluate(() => window.sameDocument === true);
  await screenshot(page, 'entitlement-actions');
  return { barBefore, afterReset, afterDeactivate, afterPolicy, sameDocument, errors };
}

/** Keys the ledger never saw: the lookup and the reversal preview show USAGE_NOT_FOUND in place. */
async function notFound(browser) {
  const { page, errors } = await tab(browser);
  await signIn(page);
  await openPage(page);
  const lookup = await lookUp(page, env('MISSING_KEY'));
  await page.getByLabel('Dedup key of the usage').fill(env('MISSING_KEY'));
  await page.locator('form.reverse').getByLabel('Reason (required)').fill('no such usage');
  await page.getByRole('button', { name: 'Preview' }).click();
  const problem = page.locator('form.reverse .problem');
  await problem.waitFor();
  const reversal = {
    code: await problem.locator('.problem-code').innerText(),
    detail: await problem.locator('.problem-detail').innerText(),
    confirm: await page.getByRole('button', { name: 'Confirm reversal' }).count(),
  };
  return { lookup, reversal, errors };
}

await run({ chart, reader, narrow, reverse, actions, notFound });
