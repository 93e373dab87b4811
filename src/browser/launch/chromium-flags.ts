/**
 * The command line every participant browser gets. Fake camera and microphone,
 * autoplay without a gesture, and no background throttling: a page in a
 * headless, never-focused window must run its timers and decode video like a
 * foreground tab, or join times would measure Chromium's power saving.
 */
export function chromiumFlags(options: { fakeVideoFile?: string | undefined; runningAsRoot: boolean }): string[] {
  const flags = [
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    '--autoplay-policy=no-user-gesture-required',
    '--disable-background-timer-throttling',
    '--disable-renderer-backgrounding',
    '--disable-backgrounding-occluded-windows',
    // Per-participant cost nobody measures: no GPU to emulate (compositing stays
    // in software, rendering and requestVideoFrameCallback still work), no
    // audio output to a device nobody hears (audio is still received and
    // decoded, so its stats are real), no background services.
    '--disable-gpu',
    '--mute-audio',
    '--disable-extensions',
    '--disable-features=Translate,MediaRouter,DialMediaRouteProvider,OptimizationHints,InterestFeedContentSuggestions,AutofillServerCommunication',
  ];
  // The sandbox cannot start as root (containers, CI); elsewhere keep it on.
  if (options.runningAsRoot) flags.push('--no-sandbox');
  if (options.fakeVideoFile !== undefined) flags.push(`--use-file-for-fake-video-capture=${options.fakeVideoFile}`);
  return flags;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}
