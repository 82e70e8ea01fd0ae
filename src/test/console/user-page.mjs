// The sign-in and the user page (dev.ledger.console.ConsoleTest).
import { consoleUrl, env, open, run, screenshot, signIn, tab } from './lib.mjs';

/** READER signs in, finds the user, reads the cards. */
async function userPage(browser) {
  const { page, errors } = await tab(browser);
  await page.goto(consoleUrl());
  await page.getByLabel('API token').waitFor();
  await screenshot(page, 'sign-in');
  await signIn(page);
  await page.getByLabel('User id').fill(env('USER_ID'));
  await screenshot(page, 'find-user');
  await page.getByRole('button', { name: 'Open' }).click();
  await page.locator('article.card, p.empty, .problem').first().waitFor();
  const cards = await page.locator('article.card').evaluateAll((articles) =>
    articles.map((article) => {
      const bar = article.querySelector('[role=meter]');
      return {
        entitlementKey: article.dataset.entitlement,
        active: article.querySelector('.state')?.textContent,
        text: article.innerText,
        bar: bar
          ? {
              used: Number(bar.dataset.used),
              limit: Number(bar.dataset.limit),
              label: article.querySelector('.used-of-limit')?.textContent,
              overage: article.querySelector('.overage')?.textContent ?? null,
              atLimit: bar.classList.contains('at-limit'),
            }
          : null,
      };
    }),
  );
  const url = page.url();
  await screenshot(page, 'user');
  return { url, cards, errors };
}

/** The timeline of a user: every page in turn ("Older entries"), then one type only. */
async function timeline(browser) {
  const { page, errors } = await tab(browser);
  await signIn(page);
  await open(page, `#/users/${encodeURIComponent(env('USER_ID'))}`);
  const entries = page.locator('ol.timeline > li.entry');
  await entries.first().waitFor();
  const firstPage = await entries.count();
  const more = page.getByRole('button', { name: 'Older entries' });
  while (await more.isVisible()) {
    const before = await entries.count();
    await more.click();
    await page.waitForFunction((n) => document.querySelectorAll('ol.timeline > li.entry').length > n, before);
  }
  const read = () =>
    entries.evaluateAll((items) =>
      items.map((item) => ({
        type: item.dataset.type,
        position: item.dataset.position ? Number(item.dataset.position) : null,
        rejectionId: item.dataset.rejectionId ? Number(item.dataset.rejectionId) : null,
        text: item.querySelector('summary').innerText,
      })),
    );
  const all = await read();
  // a rejection opens to its details
  const rejection = page.locator('li.entry[data-type=UsageRejected]').first();
  await rejection.locator('summary').click();
  const rejectionDetails = await rejection.locator('dl.entry-details').innerText();
  const consumption = page.locator('li.entry[data-type=UsageConsumed]').first();
  await consumption.locator('summary').click();
  const consumptionDetails = await consumption.locator('dl.entry-details').innerText();
  await screenshot(page, 'user-timeline');
  await page.getByLabel('UsageRejected').check();
  await page.waitForFunction(() =>
    [...document.querySelectorAll('ol.timeline > li.entry')].every((li) => li.dataset.type === 'UsageRejected'),
  );
  const rejectedOnly = await read();
  return { firstPage, all, rejectionDetails, consumptionDetails, rejectedOnly, errors };
}

/** A token the service refuses: the console asks who it is, gets a 401 and returns to sign-in. */
async function refusedToken(browser) {
  const { page, errors } = await tab(browser);
  await signIn(page);
  const message = page.locator('form.sign-in [role=alert]');
  await message.waitFor();
  await screenshot(page, 'sign-in-refused');
  return {
    url: page.url(),
    message: await message.textContent(),
    stored: await page.evaluate(() => sessionStorage.length),
    errors,
  };
}

await run({ userPage, timeline, refusedToken });
