// waitFor: poll a condition until it holds or a deadline passes; the timeout error says what was awaited
// and the last value or error seen, which is what one needs to debug a lab test.

export interface WaitOptions {
  /** Poll interval (default 200 ms). */
  intervalMs?: number;
  /** Words for the error message: "waiting for <what>". */
  what?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Calls predicate until it returns a truthy value (which is returned). Exceptions count as "not yet".
 * Throws after timeoutMs with the last result or exception in the message.
 */
export async function waitFor<T>(predicate: () => T | Promise<T>, timeoutMs: number, opts: WaitOptions = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = undefined;
  let lastErr: unknown = undefined;
  for (;;) {
    try {
      const v = await predicate();
      if (v) return v as NonNullable<T>;
      last = v;
      lastErr = undefined;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() >= deadline) {
      const seen = lastErr !== undefined ? `last error: ${lastErr instanceof Error ? lastErr.message : String(lastErr)}` : `last value: ${JSON.stringify(last)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.what ?? 'a condition'} (${seen})`);
    }
    await sleep(Math.min(opts.intervalMs ?? 200, Math.max(1, deadline - Date.now())));
  }
}
