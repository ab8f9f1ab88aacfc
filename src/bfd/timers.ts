// Timing arithmetic of a BFD session, pure: transmit interval, jitter, detection time, slow start.
// RFC 5880 §6.8.2 (timer negotiation), §6.8.3 (slow rate while not Up), §6.8.4 (detection time), §6.8.7 (jitter).

/** While not Up a system advertises a Desired Min TX of at least one second (§6.8.3). */
export const SLOW_TX_US = 1_000_000;

/**
 * The interval between periodic packets before jitter: the slower of what we want to send and what the
 * peer can take (§6.8.7: "the larger of bfd.DesiredMinTxInterval and bfd.RemoteMinRxInterval").
 */
export function txIntervalUs(desiredMinTxUs: number, remoteMinRxUs: number): number {
  return Math.max(desiredMinTxUs, remoteMinRxUs);
}

/**
 * Apply §6.8.7 jitter: 0-25 % shorter, and at least 10 % shorter when Detect Mult is 1 so that a single
 * packet still arrives before the peer's detection time. `rand` is uniform in [0, 1).
 */
export function jitteredIntervalUs(intervalUs: number, detectMult: number, rand: number): number {
  const r = Math.min(Math.max(rand, 0), 1);
  const factor = detectMult === 1 ? 0.75 + 0.15 * r : 0.75 + 0.25 * r;
  return Math.floor(intervalUs * factor);
}

/**
 * Asynchronous-mode detection time (§6.8.4): the remote Detect Mult times the agreed remote transmit
 * interval, i.e. the larger of our RequiredMinRx and the remote's last Desired Min TX.
 */
export function detectionTimeUs(remoteDetectMult: number, requiredMinRxUs: number, remoteDesiredMinTxUs: number): number {
  return remoteDetectMult * Math.max(requiredMinRxUs, remoteDesiredMinTxUs);
}
