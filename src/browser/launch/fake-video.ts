import { createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';

export interface FakeClip {
  width: number;
  height: number;
  fps: number;
  frames: number;
}

/**
 * 160×120 at 10 fps, 2 s looped by Chromium: the fake camera's frame size is
 * the harness's choice (the page's getUserMedia constraints still apply), and
 * a small one keeps capture, encode, decode and render cheap, so more
 * participants fit on a host. At 10 fps a first frame can wait up to 100 ms
 * for the camera's next frame (vs 67 ms at 15 fps): part of time_to_first_frame.
 */
export const LOW_RESOLUTION_CLIP: FakeClip = { width: 160, height: 120, fps: 10, frames: 20 };

/**
 * Write (once per clip shape) a YUV4MPEG2 clip for `--use-file-for-fake-video-capture`.
 * Written by hand because Y4M is a one-line header plus raw planes and no npm
 * package generates test clips without ffmpeg. The picture is a bright bar
 * moving over grey, so every frame differs (a static picture would let an
 * encoder skip frames and hide freezes).
 */
export async function ensureFakeClip(clip: FakeClip = LOW_RESOLUTION_CLIP, dir = join(tmpdir(), 'roomgate')): Promise<string> {
  const path = join(dir, `fake-${clip.width}x${clip.height}-${clip.fps}fps-${clip.frames}f.y4m`);
  const ySize = clip.width * clip.height;
  const cSize = (clip.width / 2) * (clip.height / 2);
  const header = `YUV4MPEG2 W${clip.width} H${clip.height} F${clip.fps}:1 Ip A1:1 C420jpeg\n`;
  const expectedBytes = header.length + clip.frames * (6 + ySize + 2 * cSize);
  try {
    if ((await stat(path)).size === expectedBytes) return path;
  } catch {
    // not written yet
  }
  await mkdir(dir, { recursive: true });
  // Write to a unique temp name and rename, so concurrent runs never read half a file.
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const out = createWriteStream(temp);
  out.write(header);
  const chroma = Buffer.alloc(cSize * 2, 128);
  const barWidth = Math.max(4, Math.floor(clip.width / 8));
  for (let f = 0; f < clip.frames; f++) {
    const y = Buffer.alloc(ySize, 96);
    const x0 = Math.floor((f / clip.frames) * (clip.width - barWidth));
    for (let row = 0; row < clip.height; row++) y.fill(235, row * clip.width + x0, row * clip.width + x0 + barWidth);
    out.write('FRAME\n');
    out.write(y);
    if (!out.write(chroma)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  const { rename } = await import('node:fs/promises');
  await rename(temp, path);
  return path;
}
