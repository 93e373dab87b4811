import puppeteer, { type Browser } from 'puppeteer-core';

/** A headless Chromium for opening report.html from disk (no media flags: a report needs none). */
export function launchReportBrowser(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: process.env['PUPPETEER_EXECUTABLE_PATH'] ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}
