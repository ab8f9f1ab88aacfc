// Shell completion as a user meets it: files after validate (and every command that takes a file), neighbor names
// from the daemon named by -s/-c on the line. Each shell runs the generated script for real: bash through readline
// (an interactive bash reading keys from a pipe), zsh through its line editor on a pseudo-terminal (zsh/zpty), fish
// through `complete -C`. bash, zsh and fish are installed by scripts/setup.sh; without one its tests fail.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/** Typed lines (TAB where the completion is asked for) and what came of them. */
interface Typed {
  /** Each line as run after completion: the `bgpfo` stand-in prints its arguments ("RAN: ..."). */
  ran: string[];
  /** The arguments of every `bgpfo completion neighbors ...` call the script made, in order. */
  asked: string[];
}

const lines = (text: string) => text.split('\n').map((l) => l.replace(/\r$/, '')).filter(Boolean);

/**
 * bash as a user runs it: an interactive bash (readline on, as at a terminal) reads the keys from a pipe, so the words
 * are split as readline splits them (COMP_WORDBREAKS). Each TAB in `typed` becomes M-* (insert-completions: every
 * match inserted), then Enter runs the line with the `bgpfo` stand-in.
 */
function bashTyped(typed: string[]): Typed {
  const script = join(dir, 'bgpfo.bash');
  writeFileSync(script, bashScript(program()));
  const asked = join(dir, 'asked');
  const input = [
    'unset HISTFILE',
    `source ${script} || echo 'RAN: source failed'`,
    'complete -p bgpfo | sed "s/^/RAN: /"',
    `bgpfo() { if [ "$1" = completion ]; then echo "\${*:2}" >> ${asked}; printf 'tun-a1\\ntun-b1\\nall\\n'; else echo "RAN: $*"; fi; }`,
    ...typed.map((t) => t.replaceAll('\t', '\x1b*')),
    'exit',
  ].join('\n');
  const r = spawnSync('bash', ['--norc', '--noprofile', '-i'], { encoding: 'utf8', cwd, input, timeout: 20_000, env: { ...process.env, TERM: 'dumb' } });
  if (r.error) throw r.error;
  const ran = lines(r.stdout).map((l) => l.replace(/^RAN: /, ''));
  expect(ran[0]).toBe('complete -F _bgpfo bgpfo');
  return { ran: ran.slice(1), asked: existsSync(asked) ? lines(readFileSync(asked, 'utf8')) : [] };
}

/**
 * zsh as a user runs it: an interactive zsh on a pseudo-terminal (zsh/zpty) with compinit, the script installed as
 * its docs say (an autoloaded _bgpfo on $fpath, or sourced), TAB bound to the standard completion with every match
 * inserted (compstate[insert]=all), then Enter runs the line with the `bgpfo` stand-in.
 */
function zshTyped(typed: string[], install: 'fpath' | 'source'): Typed {
  if (spawnSync('zsh', ['--version']).status !== 0) throw new Error('zsh is not installed: run scripts/setup.sh (it installs the zsh package)');
  const fdir = join(dir, 'functions');
  mkdirSync(fdir);
  writeFileSync(join(fdir, '_bgpfo'), zshScript(program()));
  const asked = join(dir, 'asked');
  const inner = [
    `PS1='> '; unset HISTFILE; cd ${cwd}`,
    install === 'fpath' ? `fpath=(${fdir} $fpath); autoload -Uz compinit; compinit -u -D` : `autoload -Uz compinit; compinit -u -D; source ${join(fdir, '_bgpfo')}`,
    `bgpfo() { if [[ $1 == completion ]]; then print -r -- "\${*[2,-1]}" >> ${asked}; print -l tun-a1 tun-b1 all; else print -r -- "RAN: $*"; fi }`,
    '_bgpfo_test_all() { _main_complete; compstate[insert]=all }; zle -C bgpfo-test-all complete-word _bgpfo_test_all; bindkey "^I" bgpfo-test-all',
    ...typed,
    // Split so that the echo of this line is not taken for its output.
    "print 'END-OF''-TEST'",
  ];
  const driver = join(dir, 'drive.zsh');
  writeFileSync(
    driver,
    [
      'zmodload zsh/zpty || exit 3',
      'zpty z zsh -f -i',
      ...inner.map((l) => `zpty -w z ${zq(l)}`),
      'out=()',
      "while zpty -r z line; do out+=(\"${line%$'\\r'*}\"); [[ $line == END-OF-TEST* ]] && break; done",
      "print -rl -- ${(M)out:#RAN:*}",
      'zpty -d z',
    ].join('\n'),
  );
  const r = spawnSync('zsh', ['-f', driver], { encoding: 'utf8', cwd, timeout: 30_000 });
  if (r.error) throw r.error;
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  return { ran: lines(r.stdout).map((l) => l.replace(/^RAN: /, '')), asked: existsSync(asked) ? lines(readFileSync(asked, 'utf8')) : [] };
}

/** A zsh $'...' string: TAB stays a TAB, quotes and backslashes escaped. */
const zq = (s: string) => `$'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'").replaceAll('\t', '\\t')}'`;

describe('which commands take files and which neighbors', () => {
  test('from the commander program: every <file> argument, and the neighbor commands', () => {
    const levels = commandLevels(program());
    const files = levels.filter((l) => l.fileArgs).map((l) => l.path.trim());
    expect(files).toEqual(expect.arrayContaining(['validate', 'plan', 'render', 'up', 'down', 'lab up', 'lab down', 'scenario run', 'scenario check']));
    expect(files).not.toContain('status');
    expect(levels.filter((l) => l.neighborArgs).map((l) => l.path.trim())).toEqual(expect.arrayContaining(['drain', 'undrain', 'adj-rib-in']));
  });
});

const SUBCOMMANDS = ['adj-rib-in', 'completion', 'daemon', 'drain', 'lab', 'reload', 'status', 'validate'];

describe('bash (readline)', () => {
  test('bgpfo <TAB> offers the subcommands; validate <TAB> files; -<TAB> the options', () => {
    const { ran } = bashTyped(['bgpfo \t', 'bgpfo val\t', 'bgpfo validate \t', 'bgpfo validate to\t', 'bgpfo validate --j\t', 'bgpfo lab up t\t', 'bgpfo lab \t']);
    expect(ran[0].split(' ')).toEqual(expect.arrayContaining([...SUBCOMMANDS, '--version']));
    expect(ran.slice(1, 6)).toEqual(['validate', 'validate notes.txt topo.yaml', 'validate topo.yaml', 'validate --json', 'lab up topo.yaml']);
    expect(ran[6].split(' ').slice(1).sort()).toEqual(['--help', '-h', 'down', 'exec', 'fault', 'status', 'traffic', 'up']);
  });

  test('paths after -c/--config, -s/--socket and --out, with a space or "="', () => {
    const { ran } = bashTyped(['bgpfo status -c \t', 'bgpfo status --socket n\t', 'bgpfo render --out=\t', 'bgpfo render --out=t\t']);
    expect(ran).toEqual(['status -c notes.txt topo.yaml', 'status --socket notes.txt', 'render --out=notes.txt topo.yaml', 'render --out=topo.yaml']);
  });

  test('neighbor names come from the daemon that -s, --socket=, or -c names on the line', () => {
    const { ran, asked } = bashTyped(['bgpfo drain tun\t', 'bgpfo drain -s /tmp/r2.sock tun\t', 'bgpfo adj-rib-in --socket=/tmp/r2.sock tun-b\t', 'bgpfo undrain -c /etc/bgpfo/r2.yaml a\t']);
    expect(ran).toEqual(['drain tun-a1 tun-b1', 'drain -s /tmp/r2.sock tun-a1 tun-b1', 'adj-rib-in --socket=/tmp/r2.sock tun-b1', 'undrain -c /etc/bgpfo/r2.yaml all']);
    expect(asked).toEqual(['neighbors', 'neighbors --socket /tmp/r2.sock', 'neighbors --socket /tmp/r2.sock', 'neighbors --config /etc/bgpfo/r2.yaml']);
  });
});

describe('option values with fixed choices (--log-format, --kind, --engine), for the command typed', () => {
  test('bash: with a space or "="', () => {
    const { ran } = bashTyped(['bgpfo daemon --log-format \t', 'bgpfo daemon --log-format=j\t', 'bgpfo validate --kind t\t', 'bgpfo scenario run --engine \t']);
    expect(ran).toEqual(['daemon --log-format json pretty', 'daemon --log-format=json', 'validate --kind topology', 'scenario run --engine containerlab netns']);
  });

  test.each(['fpath', 'source'] as const)('zsh (installed by %s): with a space or "="', (install) => {
    const { ran } = zshTyped(['bgpfo daemon --log-format \t', 'bgpfo daemon --log-format=j\t', 'bgpfo validate --kind t\t', 'bgpfo scenario run --engine \t', 'bgpfo validate --kin\t'], install);
    expect(ran).toEqual(['daemon --log-format json pretty', 'daemon --log-format=json', 'validate --kind topology', 'scenario run --engine containerlab netns', 'validate --kind']);
  });

  test('fish', () => {
    const script = join(dir, 'bgpfo.fish');
    writeFileSync(script, fishScript(program()));
    if (spawnSync('fish', ['--version']).status !== 0) throw new Error('fish is not installed: run scripts/setup.sh (it installs the fish package)');
    const cmd = [`source ${script}`, `echo '--1'; complete -C'bgpfo daemon --log-format '`, `echo '--2'; complete -C'bgpfo validate --kind t'`].join('; ');
    const r = spawnSync('fish', ['--no-config', '-c', cmd], { encoding: 'utf8', cwd });
    expect(r.stderr).toBe('');
    const [, one, two] = r.stdout.split(/--\d\n/);
    expect(one.trim().split('\n').map((l) => l.split('\t')[0]).sort()).toEqual(['json', 'pretty']);
    expect(two.trim().split('\n').map((l) => l.split('\t')[0])).toEqual(['topology']);
  });
});

describe.each(['fpath', 'source'] as const)('zsh (line editor on a pty), script installed by %s', (install) => {
  test('bgpfo <TAB> offers the subcommands; validate <TAB> files, validate --<TAB> its options; paths after -c and --out=', () => {
    const { ran } = zshTyped(['bgpfo \t', 'bgpfo val\t', 'bgpfo validate \t', 'bgpfo validate --\t', 'bgpfo status -c \t', 'bgpfo render --out=t\t'], install);
    expect(ran[0].split(' ')).toEqual(expect.arrayContaining([...SUBCOMMANDS, '--version']));
    expect(ran.slice(1)).toEqual(['validate', 'validate notes.txt topo.yaml', 'validate --help --json --kind', 'status -c notes.txt topo.yaml', 'render --out=topo.yaml']);
  });

  test('neighbor names come from the daemon that -s, --socket= or -c names on the line', () => {
    const { ran, asked } = zshTyped(['bgpfo drain tun\t', 'bgpfo drain -s /tmp/r2.sock tun\t', 'bgpfo adj-rib-in --socket=/tmp/r2.sock tun-b\t', 'bgpfo undrain -c /etc/bgpfo/r2.yaml a\t'], install);
    expect(ran).toEqual(['drain tun-a1 tun-b1', 'drain -s /tmp/r2.sock tun-a1 tun-b1', 'adj-rib-in --socket=/tmp/r2.sock tun-b1', 'undrain -c /etc/bgpfo/r2.yaml all']);
    expect(asked).toEqual(['neighbors', 'neighbors --socket /tmp/r2.sock', 'neighbors --socket /tmp/r2.sock', 'neighbors --config /etc/bgpfo/r2.yaml']);
  });
});

describe('fish', () => {
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
