// The ping line parser against real transcripts of Debian's iputils ping (fixtures/README.md says how each was made).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nextSeq, parsePingLine, parsePingStderr, type PingLine } from '../../../src/health/ping-parse';

const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', name), 'utf8').split('\n');
const parseAll = (name: string) => fixture(name).map(parsePingLine);
const kinds = (lines: PingLine[]) => lines.map((l) => l.kind);

describe('parsePingLine on captured transcripts', () => {
  test('IPv4 blackhole and restore: header, replies with stamp/ttl/time, "no answer yet", summary', () => {
    const lines = parseAll('blackhole-v4.txt');
    expect(lines[0]).toEqual({ kind: 'header', target: '10.99.0.2', text: 'PING 10.99.0.2 (10.99.0.2) from 10.99.0.1 : 56(84) bytes of data.' });
    expect(lines[1]).toEqual({
      kind: 'reply',
      seq: 1,
      bytes: 64,
      from: '10.99.0.2',
      ttl: 64,
      rttMs: 0.042,
      stamp: 1795266389809.63,
      dup: false,
      truncated: false,
      badChecksum: false,
      differentAddress: false,
    });
    expect(lines[8]).toEqual({ kind: 'no-answer', seq: 8, stamp: 1795266390259.41 });
    const seqs = lines.filter((l) => l.kind === 'no-answer').map((l) => (l as { seq: number }).seq);
    expect(seqs).toEqual([8, 9, 10, 11, 12]);
    expect(lines.filter((l) => l.kind === 'reply')).toHaveLength(13);
    expect(kinds(lines.slice(-5))).toEqual(['blank', 'summary', 'summary', 'summary', 'blank']);
  });

  test('IPv6: header without a space before the parenthesis, replies from an IPv6 address', () => {
    const lines = parseAll('blackhole-v6.txt');
    expect(lines[0]).toMatchObject({ kind: 'header', target: 'fd00:99::2' });
    expect(lines[1]).toMatchObject({ kind: 'reply', seq: 1, from: 'fd00:99::2', ttl: 64, rttMs: 0.052 });
    expect(lines.filter((l) => l.kind === 'no-answer').map((l) => (l as { seq: number }).seq)).toEqual([8, 9, 10, 11, 12]);
  });

  test('link-local IPv6: zones in the header and in the reply address', () => {
    const lines = parseAll('link-local-v6.txt');
    expect(lines[0]).toMatchObject({ kind: 'header', target: 'fe80::5cbd:f2ff:fe2a:34c2%hxa' });
    expect(lines[1]).toMatchObject({ kind: 'reply', seq: 1, from: 'fe80::5cbd:f2ff:fe2a:34c2%hxa', rttMs: 0.039 });
  });

  test('ICMP errors (v4 "Packet filtered", v6 "Administratively prohibited") come before "no answer yet" for the same probe', () => {
    const lines = parseAll('icmp-error-admin-prohibited.txt');
    expect(lines[1]).toEqual({ kind: 'icmp-error', seq: 1, from: '10.99.0.2', message: 'Packet filtered', stamp: 1795266391793.399 });
    expect(lines[2]).toEqual({ kind: 'no-answer', seq: 1, stamp: 1795266391847.39 });
    const v6 = lines.find((l) => l.kind === 'icmp-error' && l.from.includes(':'));
    expect(v6).toMatchObject({ seq: 1, from: 'fd00:99::2', message: 'Destination unreachable: Administratively prohibited' });
  });

  test('ICMP host unreachable, both families', () => {
    const errs = parseAll('icmp-error-host-unreachable.txt').filter((l) => l.kind === 'icmp-error');
    expect(errs.map((e) => (e as { message: string }).message)).toEqual([
      ...Array(3).fill('Destination Host Unreachable'),
      ...Array(3).fill('Destination unreachable: Address unreachable'),
    ]);
  });

  test('duplicates are flagged (DUP!) and keep their sequence number', () => {
    const replies = parseAll('duplicates.txt').filter((l): l is Extract<PingLine, { kind: 'reply' }> => l.kind === 'reply');
    expect(replies.map((r) => [r.seq, r.dup])).toEqual([
      [1, false],
      [1, true],
      [2, false],
      [2, true],
      [3, false],
      [1, false],
      [1, true],
      [2, false],
      [2, true],
      [3, false],
    ]);
  });

  test('late replies: RTT past the interval, "time=100 ms" without decimals, the reply after its "no answer yet"', () => {
    const lines = parseAll('late-replies-v4.txt');
    const i = lines.findIndex((l) => l.kind === 'no-answer');
    expect(lines[i]).toMatchObject({ kind: 'no-answer', seq: 22 });
    expect(lines[i + 1]).toMatchObject({ kind: 'reply', seq: 22, rttMs: 75.2, bytes: 208 });
    expect(lines.find((l) => l.kind === 'reply' && l.rttMs === 100)).toMatchObject({ seq: 23 });
    expect(lines.find((l) => l.kind === 'reply' && l.seq === 26)).toMatchObject({ rttMs: 178 });
    expect(lines.at(-2)).toMatchObject({ kind: 'summary', text: 'rtt min/avg/max/mdev = 0.045/64.468/312.447/99.625 ms, pipe 6' });
  });
});

describe('lines not captured here, in the formats of iputils ping_common.c', () => {
  test('truncated reply has no time; bad checksum and different address are flagged', () => {
    expect(parsePingLine('[1.000001] 20 bytes from 10.0.0.2: icmp_seq=4 ttl=64 (truncated)')).toMatchObject({
      kind: 'reply',
      seq: 4,
      truncated: true,
      stamp: 1000.001,
    });
    expect(parsePingLine('[1.000001] 20 bytes from 10.0.0.2: icmp_seq=4 ttl=64 (truncated)')).not.toHaveProperty('rttMs');
    expect(parsePingLine('64 bytes from 10.0.0.2: icmp_seq=5 ttl=64 time=1.20 ms (BAD CHECKSUM!)')).toMatchObject({ badChecksum: true, rttMs: 1.2 });
    expect(parsePingLine('64 bytes from 10.0.0.9: icmp_seq=5 ttl=64 time=1.20 ms (DIFFERENT ADDRESS!)')).toMatchObject({ differentAddress: true });
  });

  test('"From addr: icmp_seq" of some builds loses the colon, an IPv6 address ending in "::" keeps it', () => {
    expect(parsePingLine('From 10.0.0.1: icmp_seq=3 Time to live exceeded')).toMatchObject({ kind: 'icmp-error', from: '10.0.0.1' });
    expect(parsePingLine('From fd00:: icmp_seq=3 Destination unreachable: No route')).toMatchObject({ kind: 'icmp-error', from: 'fd00::' });
  });

  test('anything else is "other", and CRs are tolerated', () => {
    expect(parsePingLine('wrong data byte #12 should be 0xc but was 0x0')).toEqual({ kind: 'other', text: 'wrong data byte #12 should be 0xc but was 0x0' });
    expect(parsePingLine('no answer yet for icmp_seq=9\r')).toEqual({ kind: 'no-answer', seq: 9 });
  });
});

describe('parsePingStderr', () => {
  test('startup failures captured from ping', () => {
    const errs = fixture('startup-errors.txt').filter((l) => l.startsWith('ping: '));
    expect(errs.map(parsePingStderr)).toEqual([
      { kind: 'error', message: 'bind: Cannot assign requested address' },
      { kind: 'error', message: 'bind icmp socket: Cannot assign requested address' },
      { kind: 'error', message: 'SO_BINDTODEVICE nosuchif0: No such device' },
      { kind: 'error', message: 'no.such.host.invalid: Temporary failure in name resolution' },
    ]);
  });

  test('sendmsg errors and warnings', () => {
    expect(parsePingStderr('ping: sendmsg: Network is unreachable')).toEqual({ kind: 'send-error', message: 'Network is unreachable' });
    expect(parsePingStderr('ping: Warning: source address might be selected on device other than: hxa')).toEqual({
      kind: 'warning',
      message: 'Warning: source address might be selected on device other than: hxa',
    });
  });
});

test('sequence numbers wrap at 16 bits', () => {
  expect(nextSeq(65535)).toBe(0);
  expect(nextSeq(7)).toBe(8);
});
