// Every page of the console at the narrowest supported width (1024 px): axe-core finds no WCAG 2.x A/AA violation,
// nothing overflows horizontally, and a person can sign in and find a user with the keyboard alone
// (dev.ledger.console.ConsoleAccessibilityTest).
import { accessibility, consoleUrl, env, open, overflow, run, screenshot, signIn, tab } from './lib.mjs';

const NARROW = { width: 1024, height: 768 };

/** Keyboard only: Tab to the token field, type, Enter; then the user id, Enter. */
async function keyboard(browser) {
  const { page, errors } = await tab(browser, NARROW);
  await page.goto(consoleUrl());
  await page.getByLabel('API token').waitFor();
  const focused = () => page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName);
  const order = [await focused()];
  await page.keyboard.type(env('TOKEN'));
  await page.keyboard.press('Enter');
  await page.getByLabel('User id').waitFor();
  order.push(await focused());
  await page.keyboard.type(env('USER_ID'));
  await page.keyboard.press('Enter');
  await page.locator('article.card').first().waitFor();
  // a screen reader announces the page it opened: focus is on it
  const focusAfterOpen = await focused();
  // the console moves focus to the page it opened, so Tab goes on from there: the first card's link
  const tabs = [];
  for (let i = 0; i < 6; i++) {
    await page.keyboard.press('Tab');
    tabs.push(await page.evaluate(() => document.activeElement?.textContent?.trim().slice(0, 40)));
  }
  return { order, focusAfterOpen, tabs, url: page.url(), errors };
}

/** Each page in turn: its axe violations and overflow. */
async function pages(browser) {
  const { page, errors } = await tab(browser, NARROW);
  const seen = {};
  await page.goto(consoleUrl());
  await page.getByLabel('API token').waitFor();
  seen['sign-in'] = { violations: await accessibility(page), overflow: await overflow(page) };
  await signIn(page);
  await page.getByLabel('User id').waitFor();
  seen.find = { violations: await accessibility(page), overflow: await overflow(page) };
  const user = encodeURIComponent(env('USER_ID'));
  const routes = {
    user: `#/users/${user}`,
    entitlement: `#/users/${user}/entitlements/${encodeURIComponent(env('ENTITLEMENT_KEY'))}`,
    operations: '#/operations',
  };
  for (const [name, hash] of Object.entries(routes)) {
    await open(page, hash);
    await page.waitForLoadState('networkidle');
    // open every details element, so what hides behind them is checked too
    await page.evaluate(() => document.querySelectorAll('details').forEach((d) => (d.open = true)));
    seen[name] = { violations: await accessibility(page), overflow: await overflow(page) };
    if (name === 'user') {
      await screenshot(page, 'user-1024');
    }
  }
  return { pages: seen, errors };
}

await run({ keyboard, pages });
