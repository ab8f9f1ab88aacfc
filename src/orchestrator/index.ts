// The orchestrator's public surface: topology file -> plan -> rendered files. The CLI's `bgpfo plan` and
// `bgpfo render` and the lab/host realizers call only what is exported here.

export { loadTopology, parseTopology } from './topology/load';
export { TopologyError, formatTopologyIssue, type TopologyIssue } from './topology/errors';
export type { Topology } from './topology/types';
export { buildPlan } from './plan/build';
export { describePlan } from './plan/describe';
export { sessionsOf } from './plan/sessions';
export * from './plan/types';
export { renderAll, renderNodeFiles, RENDER_MARKER, type RenderOptions, type RenderResult } from './render/index';
export { renderBgpfoConfig } from './render/bgpfo';
export { renderFrrConfig, renderFrrDaemons } from './render/frr';
export { renderBirdConfig } from './render/bird';
export { renderWireguard } from './render/wireguard';
export { renderSwanctl } from './render/ipsec';
export { renderSystemdUnit, installedBgpfo, DEFAULT_BGPFO_BIN } from './render/systemd';
export { renderSvg, type SvgOptions } from './render/svg';
export { renderClab, DEFAULT_IMAGES } from './render/clab';
export { checkClab, CLAB_SUBSET_SCHEMA } from './render/clab-check';
export { nodeSetupCommands } from './render/setup';
export { directoryKeySource, fakeKeySource, placeholderKeySource, randomKeySource, publicKeyOf, type KeySource, type KeyPair } from './render/keys';
