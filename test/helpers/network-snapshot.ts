import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What a network lab must leave exactly as it found it: namespaces, the root ruleset and root links. */
export interface HostNetworkSnapshot {
  namespaces: string;
  ruleset: string;
  links: string;
}

export async function hostNetworkSnapshot(): Promise<HostNetworkSnapshot> {
  const [namespaces, ruleset, links] = await Promise.all([
    run('ip', ['netns', 'list']),
    run('nft', ['list', 'ruleset']),
    run('ip', ['link']),
  ]);
  return { namespaces: namespaces.stdout, ruleset: ruleset.stdout, links: links.stdout };
}
