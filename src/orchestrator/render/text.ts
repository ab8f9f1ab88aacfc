// Small text helpers shared by the renderers: YAML scalars written by hand (so output is byte-stable and can
// carry comments), the "rendered, do not edit" header, and lookups into the plan.

import type { Plan, PlanNode } from '../plan/types';

/** A YAML scalar: plain when unambiguous, else double-quoted (JSON strings are valid YAML). */
export function yamlScalar(v: string | number | boolean): string {
  if (typeof v !== 'string') return String(v);
  const plain = /^[A-Za-z0-9_./-][A-Za-z0-9_./:@-]*$/.test(v) && !/^(true|false|yes|no|on|off|null|~|[-+]?[0-9.]+(e[-+]?\d+)?)$/i.test(v) && !v.includes(': ');
  return plain ? v : JSON.stringify(v);
}

export function yamlFlowList(items: (string | number)[]): string {
  return `[${items.map((i) => (typeof i === 'string' ? JSON.stringify(i) : String(i))).join(', ')}]`;
}

/** Comment lines saying where a file came from; `mark` is the comment leader ("#", "!", "//"). */
export function header(plan: Plan, what: string, mark = '#'): string {
  return [
    `${mark} ${what}`,
    `${mark} Rendered by \`bgpfo render\` from ${plan.source} (lab ${plan.lab}); edit the topology and render again.`,
  ].join('\n');
}

export function nodeByName(plan: Plan, name: string): PlanNode {
  const n = plan.nodes.find((x) => x.name === name);
  if (!n) throw new Error(`no node named ${name} in the plan`);
  return n;
}

/** Milliseconds as a duration word for comments ("100 ms"). */
export function ms(n: number): string {
  return n >= 1000 && n % 1000 === 0 ? `${n / 1000} s` : `${n} ms`;
}
