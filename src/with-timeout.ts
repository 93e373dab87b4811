/**
 * `promise`, or a rejection with `message` once `ms` have passed, whichever
 * comes first. The timer is cleared as soon as the promise settles, so a
 * bounded call leaves nothing behind that keeps the process alive.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(message)), ms);
    promise.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error: unknown) => (clearTimeout(timer), reject(error)),
    );
  });
}
