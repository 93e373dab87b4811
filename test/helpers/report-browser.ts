import { pathToFileURL } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/** A headless Chromium for opening report.html from disk (no media flags: a report needs none). */
export function launchReportBrowser(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: process.env['PUPPETEER_EXECUTABLE_PATH'] ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/**
 * A new page with report.html at `path` open and rendered, offline: every request
 * that is not a file: URL is aborted (the report must be self-contained).
 */
export async function openReportOffline(browser: Browser, path: string): Promise<Page> {
  const page = await browser.newPage();
  await page.setRequestInterception(true);
  page.on('request', (request) => void (request.url().startsWith('file:') ? request.continue() : request.abort()));
  await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
  await page.waitForSelector('body[data-rendered="true"]');
  return page;
}
