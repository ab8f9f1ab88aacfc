// The RIB: Adj-RIB-In per peer -> Loc-RIB (best path, ECMP set, tiers) -> Adj-RIB-Out per peer (RFC 4271 §3.2, §9).
// Pure data structures: no sockets, no timers; the daemon drives them from its event loop.

export * from './attrs';
export * from './path';
export * from './decision';
export * from './loc-rib';
export * from './adj-rib-in';
export * from './adj-rib-out';
export * from './update';
