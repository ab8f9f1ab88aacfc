// Renders strongSwan swanctl.conf for IPsec tunnels (route-based: one XFRM interface per tunnel, matched by
// if_id). For users' real routers only: this machine has no xfrm interfaces, so the lab cannot run it.

import type { Plan } from '../plan/types';
import type { KeySource } from './keys';
import { header } from './text';

/** XFRM interface id of a tunnel: its index (unique per node because tunnel indexes are plan-wide). */
export const xfrmIfId = (index: number) => index;

export function renderSwanctl(plan: Plan, nodeName: string, keys: KeySource): string | undefined {
  const ends = plan.tunnels.filter((t) => t.kind === 'ipsec').flatMap((t) => (['onprem', 'far'] as const).filter((s) => t[s].node === nodeName).map((side) => ({ t, side })));
  if (ends.length === 0) return undefined;
  const conns: string[] = [];
  const secrets: string[] = [];
  for (const { t, side } of ends) {
    const local = t[side];
    const remote = side === 'onprem' ? t.far : t.onprem;
    const id = xfrmIfId(t.index);
    conns.push(
      `  # ${t.id} ${t.name} (${t.role}, ${t.isp}); XFRM interface ${local.ifname} (if_id ${id}) carries it`,
      `  ${t.name} {`,
      '    version = 2',
      `    local_addrs = ${local.underlay}`,
      `    remote_addrs = ${remote.underlay}`,
      '    proposals = aes256gcm16-prfsha384-ecp384,aes256-sha256-modp2048',
      '    dpd_delay = 10s',
      '    local {',
      '      auth = psk',
      `      id = ${local.underlay}`,
      '    }',
      '    remote {',
      '      auth = psk',
      `      id = ${remote.underlay}`,
      '    }',
      '    children {',
      `      ${t.name} {`,
      '        local_ts = 0.0.0.0/0',
      '        remote_ts = 0.0.0.0/0',
      `        if_id_in = ${id}`,
      `        if_id_out = ${id}`,
      '        esp_proposals = aes256gcm16-ecp384,aes256-sha256-modp2048',
      '        dpd_action = restart',
      '        start_action = start',
      '      }',
      '    }',
      '  }',
    );
    secrets.push(`  ike-${t.name} {`, `    id-local = ${local.underlay}`, `    id-remote = ${remote.underlay}`, `    secret = "${keys.secret(t.name)}"`, '  }');
  }
  return [
    header(plan, `strongSwan swanctl.conf for ${nodeName}: route-based IPsec, one XFRM interface per tunnel.`),
    '# Holds pre-shared keys: keep it mode 0600 and out of version control.',
    'connections {',
    ...conns,
    '}',
    'secrets {',
    ...secrets,
    '}',
    '',
  ].join('\n');
}
