// Drives the unmodified Web Chat page served by QaBot in headless Chromium: waits for the welcome, asks a question,
// waits for the answer, clicks its first citation and reports what the widget rendered as one JSON line on stdout.
// Usage: node webchat/webchat-browser.js <pageUrl> <screenshot.png> <question>
'use strict';
const { chromium } = require('playwright-core');

const [pageUrl, screenshotPath, question] = process.argv.slice(2);
if (!pageUrl || !screenshotPath || !question) {
  console.error('usage: node webchat-browser.js <pageUrl> <screenshot.png> <question>');
  process.exit(2);
}

const TIMEOUT = 30000;
// Flags for a closed network: no background traffic, no QUIC, no sandbox (containers).
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

(async () => {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 820 } });
    const pageErrors = [];
    page.on('pageerror', error => pageErrors.push(String(error)));
    await page.goto(pageUrl);

    // The welcome proves the conversation is online, so the question is not typed into a send box still connecting.
    const botBubbles = page.locator('.webchat__bubble:not(.webchat__bubble--from-user)');
    await botBubbles.first().waitFor({ timeout: TIMEOUT });
    const botMessagesBefore = await botBubbles.count();

    const sendBox = page.locator('[data-id="webchat-sendbox-input"]');
    await sendBox.fill(question);
    await sendBox.press('Enter');

    // Web Chat shows a message as sent only once its own activity comes back with a server id (the echo).
    await page.locator('.webchat__bubble--from-user', { hasText: question }).waitFor({ timeout: TIMEOUT });
    await page.waitForFunction(n => document.querySelectorAll('.webchat__bubble:not(.webchat__bubble--from-user)').length > n,
      botMessagesBefore, { timeout: TIMEOUT });
    const answer = botBubbles.last();
    await answer.locator('.webchat__link-definitions__list-item').first().waitFor({ timeout: 5000 }).catch(() => {});

    const result = await answer.evaluate(element => ({
      answerText: element.querySelector('.webchat__render-markdown')?.innerText ?? element.innerText,
      citationMarkers: [...element.querySelectorAll('.webchat__render-markdown__pure-identifier')].map(m => ({ text: m.innerText.trim(), tag: m.tagName.toLowerCase(), href: m.href ?? null })),
      references: [...element.querySelectorAll('.webchat__link-definitions__list-item')].map(r => r.innerText.trim()),
    }));
    result.suggestedActions = await page.locator('.webchat__suggested-action').allInnerTexts();

    // Clicking the citation opens its passage inside the widget; the conversation must survive it.
    const marker = answer.locator('.webchat__render-markdown__pure-identifier').first();
    if (await marker.count()) {
      await marker.click();
      const dialog = page.locator('.webchat__citation-modal-dialog');
      result.citationDialog = await dialog.waitFor({ timeout: 5000 }).then(() => dialog.innerText(), () => null);
      await page.screenshot({ path: screenshotPath.replace(/\.png$/, '-citation.png') });
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden', timeout: 5000 }).catch(() => {});
    }
    result.transcript = await page.locator('.webchat__bubble').allInnerTexts();
    result.sendFailed = (await page.locator('body').innerText()).includes('Send failed');
    result.pageErrors = pageErrors;
    await page.screenshot({ path: screenshotPath });
    result.screenshot = screenshotPath;
    console.log(JSON.stringify(result));
  } finally {
    await browser.close();
  }
})().catch(error => {
  console.error(error);
  process.exit(1);
});
