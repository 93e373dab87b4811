import type { ReferenceServer, ReferenceServerOptions } from './server-types.js';

/** Placeholder until the reference server lands (issue: foundation). */
export async function createReferenceServer(_options: ReferenceServerOptions = {}): Promise<ReferenceServer> {
  throw new Error('the reference server is not built yet');
}
