import { randomBytes } from 'node:crypto';

/**
 * Names of what a run creates. Every namespace carries the run's tag, which
 * starts with the owning process id: concurrent runs never collide, and a
 * later run can tell a leftover of a dead run (SIGKILL, a crashed CI job)
 * from the lab of a run still going (removeStaleNetworkLabs).
 *
 * Interfaces need no run tag: they live only inside the run's own namespaces
 * (none is ever created in the root namespace), so fixed names cannot collide.
 */

export const LAB_NAMESPACE_PREFIX = 'rg-';
const LAB_NAMESPACE = /^rg-(\d+)-([0-9a-z]{4})-(hub|probe|c\d+)$/;

/** `<pid>-<4 random base-36 chars>`, unique to one lab. */
export function newRunTag(pid: number = process.pid): string {
  const random = [...randomBytes(4)].map((b) => (b % 36).toString(36)).join('');
  return `${pid}-${random}`;
}

export function hubNamespaceName(runTag: string): string {
  return `${LAB_NAMESPACE_PREFIX}${runTag}-hub`;
}

export function cohortNamespaceName(runTag: string, index: number): string {
  return `${LAB_NAMESPACE_PREFIX}${runTag}-c${index}`;
}

export function probeNamespaceName(runTag: string): string {
  return `${LAB_NAMESPACE_PREFIX}${runTag}-probe`;
}

/** The owner of a namespace this module named, or undefined for any other namespace. */
export function parseLabNamespace(name: string): { ownerPid: number; runTag: string } | undefined {
  const match = LAB_NAMESPACE.exec(name);
  if (match === null) return undefined;
  return { ownerPid: Number(match[1]), runTag: `${match[1]}-${match[2]}` };
}

/** The hub's end of cohort `index`'s link (inside the hub namespace). */
export function hubDeviceName(index: number): string {
  return `rg-c${index}`;
}

/** The cohort's end of its link to the hub (inside the cohort's namespace). */
export const COHORT_DEVICE = 'rg-hub';
