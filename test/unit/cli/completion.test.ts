// Shell completion as a user meets it: files after validate (and every command that takes a file), neighbor names
// from the daemon named by -s/-c on the line, and fish. bash and fish run the generated scripts for real.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bashScript, commandLevels, fishScript, zshScript } from '../../../src/cli/completion';
import { buildProgram } from '../../../src/cli/main';

const program = () => buildProgram({ out: () => undefined, err: () => undefined });
let dir: string;
/** The shell's working directory: only the files the user has (the scripts live in `dir`). */
let cwd: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bgpfo-compl-'));
  cwd = join(dir, 'work');
  mkdirSync(cwd);
  writeFileSync(join(cwd, 'topo.yaml'), '');
  writeFileSync(join(cwd, 'notes.txt'), '');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in `bgpfo` on the shell side: records its arguments and answers two neighbor names. */
const FAKE_BGPFO = `bgpfo() { echo "$*" >> ${'"$ARGS_FILE"'}; printf 'tun-a1\\ntun-b1\\nall\\n'; }`;

function bash(words: string[]): { replies: string[]; asked: string } {
  const script = join(dir, 'c.bash');
  writeFileSync(script, bashScript(program()));
  const args = join(dir, 'args');
  writeFileSync(args, '');
  const line = words.map((w) => `'${w}'`).join(' ');
  const r = spawnSync('bash', ['-c', `${FAKE_BGPFO}; source ${script}; COMP_WORDS=(${line}); COMP_CWORD=${words.length - 1}; _bgpfo; printf '%s\\n' "\${COMPREPLY[@]}"`], {
    encoding: 'utf8',
    cwd,
    env: { ...process.env, ARGS_FILE: args },
  });
  expect(r.stderr).toBe('');
  return { replies: r.stdout.split('\n').filter(Boolean).sort(), asked: spawnSync('cat', [args], { encoding: 'utf8' }).stdout.trim() };
}

describe('which commands take files and which neighbors', () => {
  test('from the commander program: every <file> argument, and the neighbor commands', () => {
    const levels = commandLevels(program());
    const files = levels.filter((l) => l.fileArgs).map((l) => l.path.trim());
    expect(files).toEqual(expect.arrayContaining(['validate', 'plan', 'render', 'up', 'down', 'lab up', 'lab down', 'scenario run', 'scenario check']));
    expect(files).not.toContain('status');
    expect(levels.filter((l) => l.neighborArgs).map((l) => l.path.trim())).toEqual(expect.arrayContaining(['drain', 'undrain', 'adj-rib-in']));
  });
});

describe('bash', () => {
  test('validate <TAB> offers files; validate -<TAB> its options', () => {
    expect(bash(['bgpfo', 'validate', '']).replies).toEqual(['notes.txt', 'topo.yaml']);
    expect(bash(['bgpfo', 'validate', 'to']).replies).toEqual(['topo.yaml']);
    expect(bash(['bgpfo', 'validate', '--j']).replies).toEqual(['--json']);
    expect(bash(['bgpfo', 'lab', 'up', 't']).replies).toEqual(['topo.yaml']);
  });

  test('neighbor names come from the daemon that -s, --socket=, or -c names on the line', () => {
    const plain = bash(['bgpfo', 'drain', 'tun']);
    expect(plain.replies).toEqual(['tun-a1', 'tun-b1']);
    expect(plain.asked).toBe('completion neighbors');
    expect(bash(['bgpfo', 'drain', '-s', '/tmp/r2.sock', 'tun']).asked).toBe('completion neighbors --socket /tmp/r2.sock');
    expect(bash(['bgpfo', 'adj-rib-in', '--socket=/tmp/r2.sock', '']).asked).toBe('completion neighbors --socket /tmp/r2.sock');
    expect(bash(['bgpfo', 'undrain', '-c', '/etc/bgpfo/r2.yaml', 'a']).replies).toEqual(['all']);
    expect(bash(['bgpfo', 'undrain', '-c', '/etc/bgpfo/r2.yaml', 'a']).asked).toBe('completion neighbors --config /etc/bgpfo/r2.yaml');
  });
});

describe('zsh and fish', () => {
  test('zsh: files for file arguments, the socket passed on for neighbor names', () => {
    const z = zshScript(program());
    expect(z).toMatch(/\(' validate'\) entries=\(.*\); files=1 ;;/);
    expect(z).toContain('completion neighbors "${ask[@]}"');
  });

  test('fish: the script has every command and option, file arguments and neighbor names', () => {
    const f = fishScript(program());
    expect(f).toMatch(/^# fish completion for bgpfo/);
    expect(f).toContain(`complete -c bgpfo -n "__bgpfo_at ''" -a 'validate'`);
    expect(f).toContain(`complete -c bgpfo -n "__bgpfo_at ' validate'" -F`);
    expect(f).toContain(`complete -c bgpfo -n "__bgpfo_at ' drain'" -a '(__bgpfo_neighbors)' -d 'neighbor'`);
    expect(f).toMatch(/complete -c bgpfo -n "__bgpfo_at ' drain'" -r -s t -l timeout/);
  });

  // fish is installed by scripts/setup.sh; this runs the script in a real fish (and fails without one).
  test('fish completes commands, files after validate, and neighbor names from the socket on the line', () => {
    const script = join(dir, 'bgpfo.fish');
    writeFileSync(script, fishScript(program()));
    const args = join(dir, 'args');
    const cmd = [
      `function bgpfo; echo $argv >> ${args}; printf '%s\\n' tun-a1 tun-b1 all; end`,
      `source ${script}`,
      `echo '--1'; complete -C'bgpfo lab u'`,
      `echo '--2'; complete -C'bgpfo validate '`,
      `echo '--3'; complete -C'bgpfo drain -s /tmp/r2.sock tun'`,
    ].join('; ');
    if (spawnSync('fish', ['--version']).status !== 0) throw new Error('fish is not installed: run scripts/setup.sh (it installs the fish package)');
    const r = spawnSync('fish', ['--no-config', '-c', cmd], { encoding: 'utf8', cwd });
    expect(r.stderr).toBe('');
    const [, one, two, three] = r.stdout.split(/--\d\n/);
    expect(one.split('\n')[0]).toMatch(/^up\t/);
    expect(two.trim().split('\n').sort()).toEqual(['notes.txt', 'topo.yaml']);
    expect(three.trim().split('\n').map((l) => l.split('\t')[0])).toEqual(['tun-a1', 'tun-b1']);
    expect(spawnSync('cat', [args], { encoding: 'utf8' }).stdout.trim()).toBe('completion neighbors --socket /tmp/r2.sock');
  });
});
