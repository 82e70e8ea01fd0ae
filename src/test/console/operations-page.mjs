// The operations page (dev.ledger.console.OperationsPageTest): projection status, drift, rebuild, dead letters and the
// admin audit trail.
import { env, open, run, screenshot, signIn, tab } from './lib.mjs';

/** The drift table's rows, one per differing attribute (MISSING and EXTRA items: one row without an attribute). */
const driftRows = (page) =>
  page.locator('table.drift-table tbody tr').evaluateAll((rows) =>
    rows.map((row) => ({
      kind: row.dataset.kind,
      userId: row.dataset.userId,
      entitlementKey: row.dataset.entitlementKey,
      attribute: row.dataset.attribute ?? null,
      expected: row.querySelector('.expected').innerText,
      actual: row.querySelector('.actual').innerText,
      kindShown: row.querySelector('.kind').innerText,
    })),
  );

const projectionRow = (page, projection) =>
  page.locator(`table.projections-table tbody tr[data-projection="${projection}"]`).evaluate((row) => ({
    state: row.dataset.state,
    lagEvents: Number(row.dataset.lagEvents),
    generation: Number(row.dataset.generation),
    text: row.innerText,
  }));

/** The status table, then "Check drift": the rows of USER_ID's entitlements in the result table. */
async function drift(browser) {
  const { page, errors } = await tab(browser);
  await signIn(page);
  await open(page, '#/operations');
  await page.locator('table.projections-table tbody tr').first().waitFor();
  const projections = await page
    .locator('table.projections-table tbody tr')
    .evaluateAll((rows) => rows.map((row) => ({ projection: row.dataset.projection, cells: [...row.cells].map((c) => c.innerText) })));
  const headers = await page.locator('table.projections-table thead th').allInnerTexts();
  await page.getByRole('button', { name: 'Check drift' }).click();
  await page.locator('table.drift-table, p.no-drift').first().waitFor({ timeout: 60000 });
  const rows = (await driftRows(page)).filter((row) => row.userId === env('USER_ID'));
  const summary = await page.locator('.drift-result').innerText();
  await page.locator(`table.drift-table tr[data-user-id="${env('USER_ID')}"]`).first().scrollIntoViewIfNeeded();
  await screenshot(page, 'operations-drift');
  return { projections, headers, rows, summary, errors };
}

/**
 * "Rebuild dynamodb…" asks first (nothing is posted until the person confirms: one poll later the generation is the
 * same); confirming follows the progress until "Rebuild done". Every text of the progress line is recorded.
 */
async function rebuild(browser) {
  const { page, errors } = await tab(browser);
  await signIn(page);
  await open(page, '#/operations');
  await page.locator('table.projections-table tbody tr[data-projection="dynamodb"]').waitFor();
  const before = await projectionRow(page, 'dynamodb');
  await page.getByRole('button', { name: 'Rebuild dynamodb…' }).click();
  const confirm = page.getByRole('group', { name: 'Rebuild dynamodb?' });
  await confirm.waitFor();
  const confirmText = await confirm.innerText();
  const focusedConfirm = await page.evaluate(() => document.activeElement?.classList.contains('rebuild-confirm'));
  // one poll later, still the same generation: asking posted nothing
  const refreshed = await page.locator('.projections-updated').innerText();
  await page.waitForFunction(
    (text) => document.querySelector('.projections-updated')?.innerText !== text,
    refreshed,
    { timeout: 10000 },
  );
  const whileAsking = await projectionRow(page, 'dynamodb');
  await page.evaluate(() => {
    window.rebuildLines = [];
    const seen = () => {
      const line = document.querySelector('.rebuild-progress[data-projection="dynamodb"] .rebuild-line')?.textContent;
      if (line && window.rebuildLines.at(-1) !== line) {
        window.rebuildLines.push(line);
      }
    };
    new MutationObserver(seen).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  await page.getByRole('button', { name: 'Confirm rebuild of dynamodb' }).click();
  const progress = page.locator('.rebuild-progress[data-projection="dynamodb"]');
  await progress.waitFor();
  const startedText = await progress.innerText();
  const generation = Number(await progress.getAttribute('data-generation'));
  if ((await progress.getAttribute('data-done')) !== 'true') {
    await screenshot(page, 'operations-rebuild');
  }
  await page.locator('.rebuild-progress[data-projection="dynamodb"][data-done="true"]').waitFor({ timeout: 150000 });
  const doneText = await progress.locator('.rebuild-line').innerText();
  const after = await projectionRow(page, 'dynamodb');
  const lines = await page.evaluate(() => window.rebuildLines);
  const buttonEnabled = await page.getByRole('button', { name: 'Rebuild dynamodb…' }).isEnabled();
  await screenshot(page, 'operations');
  return { before, confirmText, focusedConfirm, whileAsking, startedText, generation, lines, doneText, after, buttonEnabled, errors };
}

/** Ticks only the dead letter of MESSAGE_ID (its original message id), redrives it and reads the counts. */
async function deadLetter(browser) {
  const { page, errors } = await tab(browser);
  await signIn(page);
  await open(page, '#/operations');
  const row = page.locator(`table.dead-letters-table tr[data-original-message-id="${env('MESSAGE_ID')}"]`);
  await row.waitFor();
  const listed = await row.evaluate((tr) => ({
    messageId: tr.dataset.messageId,
    originalMessageId: tr.dataset.originalMessageId,
    reasonCode: tr.querySelector('.reason-code').innerText,
    reasonDetail: tr.querySelector('.reason-detail').innerText,
    receiveCount: Number(tr.querySelector('.receive-count').innerText),
    counted: tr.querySelector('.counted').innerText,
    body: tr.querySelector('pre.body').textContent,
  }));
  const listedCount = await page.locator('table.dead-letters-table tbody tr').count();
  const redrive = page.getByRole('button', { name: /^Redrive selected/ });
  const disabledBefore = await redrive.isDisabled();
  await page.getByLabel(`Select message ${listed.messageId}`, { exact: true }).check();
  const checked = await page
    .locator('table.dead-letters-table tbody input[type=checkbox]:checked')
    .evaluateAll((boxes) => boxes.map((box) => box.value));
  const buttonText = await redrive.innerText();
  await screenshot(page, 'operations-dead-letters');
  await redrive.click();
  const counts = page.locator('.redrive-counts');
  await counts.waitFor();
  const result = { text: await counts.innerText(), moved: Number(await counts.getAttribute('data-moved')), notFound: Number(await counts.getAttribute('data-not-found')) };
  // the list is reloaded after the redrive: the message is gone
  await row.waitFor({ state: 'detached' });
  const status = await page.locator('.dead-letters-status').innerText();
  return { listed, listedCount, disabledBefore, checked, buttonText, result, status, errors };
}

/** The audit trail's rows, newest first, over "Older entries" until ROWS rows or the last page. */
async function audit(browser) {
  const { page, errors } = await tab(browser);
  await signIn(page);
  await open(page, '#/operations');
  const rows = page.locator('table.audit-table tbody tr');
  await rows.first().waitFor();
  const firstPage = await rows.count();
  const wanted = Number(env('ROWS'));
  const more = page.getByRole('button', { name: 'Older entries' });
  while ((await rows.count()) < wanted && (await more.isVisible())) {
    const before = await rows.count();
    await more.click();
    await page.waitForFunction((n) => document.querySelectorAll('table.audit-table tbody tr').length > n, before);
  }
  const entries = await rows.evaluateAll((trs) =>
    trs.map((tr) => ({
      id: Number(tr.dataset.id),
      at: tr.querySelector('.at time').getAttribute('datetime'),
      atShown: tr.querySelector('.at time').innerText,
      caller: tr.querySelector('.caller').innerText,
      role: tr.querySelector('.role').innerText,
      action: tr.querySelector('.action').innerText,
      target: tr.querySelector('.target').innerText,
      reason: tr.querySelector('.reason').innerText,
      status: Number(tr.querySelector('.status').innerText),
    })),
  );
  const headers = await page.locator('table.audit-table thead th').allInnerTexts();
  await page.locator('table.audit-table').scrollIntoViewIfNeeded();
  await screenshot(page, 'operations-audit');
  return { firstPage, entries, headers, errors };
}

/** A READER opens #/operations: the page's first admin call answers 403, and the page says so and asks nothing else. */
async function forbidden(browser) {
  const { page, errors } = await tab(browser);
  const adminCalls = [];
  page.on('request', (request) => {
    if (request.url().includes('/api/v1/admin/')) {
      adminCalls.push(`${request.method()} ${new URL(request.url()).pathname}`);
    }
  });
  await signIn(page);
  await open(page, '#/operations');
  const problem = page.locator('main .problem');
  await problem.waitFor();
  await page.waitForTimeout(3500); // one polling interval: nothing is asked again
  const result = {
    heading: await page.locator('main h1').innerText(),
    message: await problem.locator('p').first().innerText(),
    code: await problem.locator('.problem-code').innerText(),
    detail: await problem.locator('.problem-detail').innerText(),
    tables: await page.locator('main table').count(),
    adminCalls,
    errors,
  };
  await screenshot(page, 'operations-forbidden');
  return result;
}

/**
 * A failed poll shows its problem and the polling goes on (the next poll clears it); a 401 from a poll returns to
 * sign-in. The status calls are answered by the test (Playwright's route), the rest by the service.
 */
async function pollFailures(browser) {
  const { page, errors } = await tab(browser);
  await signIn(page);
  await open(page, '#/operations');
  await page.locator('table.projections-table tbody tr').first().waitFor();
  let next = null;
  const problem = (status, code, detail) => ({
    status,
    contentType: 'application/problem+json',
    body: JSON.stringify({ type: 'about:blank', title: 'Refused by the test', status, code, detail }),
  });
  await page.route('**/api/v1/admin/projections', (route) => {
    const answer = next;
    if (answer === 'outage') {
      next = null;
      return route.fulfill(problem(503, 'TEST_OUTAGE', 'the status could not be read'));
    }
    if (answer === 'unauthorized') {
      return route.fulfill(problem(401, 'UNAUTHORIZED', 'the token expired'));
    }
    return route.continue();
  });
  next = 'outage';
  const shown = page.locator('.poll-problem .problem');
  await shown.waitFor();
  const outage = {
    code: await shown.locator('.problem-code').innerText(),
    detail: await shown.locator('.problem-detail').innerText(),
    rows: await page.locator('table.projections-table tbody tr').count(),
  };
  await screenshot(page, 'operations-poll-failed');
  // the next poll succeeds and clears the problem
  await shown.waitFor({ state: 'detached', timeout: 10000 });
  next = 'unauthorized';
  await page.waitForURL(/#\/sign-in/, { timeout: 10000 });
  const message = await page.locator('form.sign-in [role=alert]').innerText();
  return { outage, url: page.url(), message, errors };
}

/** At 1024 px wide, with the drift table and the dead letters shown, nothing overflows horizontally. */
async function narrow(browser) {
  const { page, errors } = await tab(browser, { width: 1024, height: 800 });
  await signIn(page);
  await open(page, '#/operations');
  await page.locator(`table.dead-letters-table tr[data-message-id="${env('MESSAGE_ID')}"]`).waitFor();
  await page.getByRole('button', { name: 'Check drift' }).click();
  await page.locator('table.drift-table, p.no-drift').first().waitFor({ timeout: 60000 });
  await page.locator('table.audit-table tbody tr').first().waitFor();
  const driftShown = await page.locator(`table.drift-table tr[data-user-id="${env('USER_ID')}"]`).count();
  const widths = await page.evaluate(() => ({
    scrollWidth: document.scrollingElement.scrollWidth,
    clientWidth: document.scrollingElement.clientWidth,
    innerWidth: window.innerWidth,
    wider: [...document.querySelectorAll('main *')]
      .filter((element) => element.getBoundingClientRect().right > window.innerWidth + 0.5)
      .map((element) => `${element.tagName.toLowerCase()}.${element.className}`)
      .slice(0, 10),
  }));
  await screenshot(page, 'operations-1024');
  return { ...widths, driftShown, errors };
}

await run({ drift, rebuild, deadLetter, audit, forbidden, pollFailures, narrow });
