// The integration harness: namespaces, veth links, FRR, BIRD, nftables blackholes, the bgpfo daemon, waitFor.
// Usage: const lab = Lab.create('frr'); ... afterAll(() => lab.cleanup()).

export { Lab, Netns, purgePrefix, type LinkEnd } from './lab';
export { ManagedProcess } from './process';
export { Frr, type FrrOptions, type FrrPath, type FrrPeerSummary } from './frr';
export { Bird, type BirdRoute } from './bird';
export { blackhole, restore } from './nft';
export { BgpfoDaemon, ensureBuilt, REPO, type BgpfoStartOptions } from './bgpfo';
export { waitFor, type WaitOptions } from './wait';
export { exec, execAny, CommandError, type ExecResult } from './exec';
export { twoLinkLab, bgpfoConfig, startBgpfo, LINKS, FAR, OURS, US_ASN, FAR_ASN, type TwoLinkLab } from './two-links';
export { farBgpd, type FarBgpdOptions } from './far-bgpd';
