// Shared by the console's browser scripts. Each script exports scenarios; `run` launches the machine's Chromium,
// runs the scenario named by SCENARIO and prints what a person saw as one JSON object on stdout, which the JUnit test
// compares with the API. Settings come from the environment: SCENARIO, CONSOLE_URL (http://127.0.0.1:port/console/),
// CHROMIUM (the browser), TOKEN, SCREENSHOTS (a folder), and whatever a scenario names.
import { chromium } from 'playwright-core';

export const env = (name) => {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set`);
  }
  return value;
};
export const consoleUrl = () => env('CONSOLE_URL');
export const screenshot = (page, name) => page.screenshot({ path: `${env('SCREENSHOTS')}/${name}.png`, fullPage: true });

/**
 * A fresh tab (own sessionStorage) that records every console error and uncaught exception. The browser's own note of
 * a refused request ("Failed to load resource: … 403") is recorded too: scenarios that provoke one say which.
 */
export async function tab(browser, viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (message) => {
    if (message.type() === 'error') {
      errors.push(message.text());
    }
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  page.setDefaultTimeout(20000);
  return { page, errors };
}

export async function signIn(page, token = env('TOKEN')) {
  await page.goto(consoleUrl());
  await page.getByLabel('API token').waitFor();
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Opens a console route (#/…) in a signed-in tab and waits until the page has replaced "Loading…". */
export async function open(page, hash) {
  await page.goto(`${consoleUrl()}${hash}`);
  await page.locator('main > :not(.loading)').first().waitFor();
}

/** Runs the scenario named by SCENARIO from `scenarios` ({name: async (browser) => result}). */
export async function run(scenarios) {
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
}

/**
 * The page's accessibility violations by axe-core (WCAG 2.x A and AA rules): labels, names of buttons and links,
 * headings, landmarks, contrast. axe runs through the DevTools protocol, which the page's Content-Security-Policy does
 * not govern, so the page is tested with its real policy.
 */
export async function accessibility(page) {
  const { readFile } = await import('node:fs/promises');
  const { createRequire } = await import('node:module');
  const source = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source);
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }),
  );
  return result.violations.map((violation) => ({
    id: violation.id,
    impact: violation.impact,
    help: violation.help,
    targets: violation.nodes.slice(0, 5).map((node) => node.target.join(' ')),
  }));
}

/** How far the page is wider than its viewport (0: nothing overflows horizontally). */
export async function overflow(page) {
  return page.evaluate(() => document.scrollingElement.scrollWidth - window.innerWidth);
}
