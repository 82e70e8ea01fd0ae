// Drives the support console in the machine's Chromium and prints what a person sees as one JSON object on stdout;
// the JUnit test (dev.ledger.console.ConsoleTest) compares it with the API. Settings come from the environment:
// SCENARIO (a name below), CONSOLE_URL (http://127.0.0.1:port/console/), CHROMIUM (the browser), TOKEN, USER_ID,
// SCREENSHOTS (a folder).
import { chromium } from 'playwright-core';

const env = (name) => {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set`);
  }
  return value;
};
const consoleUrl = env('CONSOLE_URL');
const screenshots = env('SCREENSHOTS');

/** A fresh tab (own sessionStorage) that records every console error and uncaught exception. */
async function tab(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (message) => {
    if (message.type() === 'error') {
      errors.push(message.text());
    }
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  page.setDefaultTimeout(15000);
  return { page, errors };
}

async function signIn(page, token) {
  await page.goto(consoleUrl);
  await page.getByLabel('API token').waitFor();
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** READER signs in, finds the user, reads the cards. */
async function userPage(browser) {
  const { page, errors } = await tab(browser);
  await page.goto(consoleUrl);
  await page.getByLabel('API token').waitFor();
  await page.screenshot({ path: `${screenshots}/sign-in.png`, fullPage: true });
  await signIn(page, env('TOKEN'));
  await page.getByLabel('User id').fill(env('USER_ID'));
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
  await page.screenshot({ path: `${screenshots}/user.png`, fullPage: true });
  return { url, cards, errors };
}

/** A token the service refuses: the first API call answers 401 and the console returns to sign-in. */
async function refusedToken(browser) {
  const { page, errors } = await tab(browser);
  await signIn(page, env('TOKEN'));
  await page.getByLabel('User id').fill(env('USER_ID'));
  await page.getByRole('button', { name: 'Open' }).click();
  const message = page.locator('form.sign-in [role=alert]');
  await message.waitFor();
  await page.screenshot({ path: `${screenshots}/sign-in-refused.png`, fullPage: true });
  return {
    url: page.url(),
    message: await message.textContent(),
    stored: await page.evaluate(() => sessionStorage.length),
    errors,
  };
}

const scenarios = { userPage, refusedToken };
const scenario = scenarios[env('SCENARIO')];
if (!scenario) {
  throw new Error(`unknown SCENARIO ${process.env.SCENARIO}; one of ${Object.keys(scenarios)}`);
}
// as root (CI), Chromium runs only without its sandbox
const browser = await chromium.launch({ executablePath: env('CHROMIUM'), args: ['--no-sandbox'] });
try {
  process.stdout.write(JSON.stringify(await scenario(browser)));
} finally {
  await browser.close();
}
