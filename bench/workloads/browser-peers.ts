/**
 * Peer links between real headless Chromium pages (one browser process, loopback-only namespace):
 * one-way `phys` latency direct vs relayed, under 5% loss, during a `dispatch` burst, and the upstream
 * of each player in a full mesh with voice. The pages run bench/workloads/browser/agent.ts.
 *
 * Knobs (environment), for finding out what fits on a machine: BENCH_BROWSER_SECONDS (latency runs, 20),
 * BENCH_MESH_PAGES (full mesh without voice, 16), BENCH_VOICE_MESH_PAGES (mesh with voice, 4),
 * BENCH_MESH_WINDOW_MS (15,000), BENCH_SKIP_PAIR=1 (meshes only), BENCH_DEBUG=1 (setup progress).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import * as v from 'valibot';
import { GameServer, Room } from 'vehikill-net/server';
import { percentile, type Row } from '../results.js';
import type { Arrival, StatsSnapshot } from './browser/agent.js';
import { CHROMIUM_PATH } from './browser/chromium.js';
import { agent, buildAgentPage, launchChromium } from './browser/page.js';
import { writeSpeechLikeWav } from './browser/speech-like-wav.js';

class BenchRoom extends Room {
  override onCreate(options: unknown): void {
    const parsed = v.parse(v.object({ maxClients: v.optional(v.number()) }), options ?? {});
    if (parsed.maxClients !== undefined) this.setMaxClients(parsed.maxClients);
  }
}

const isolated = process.env.VEHIKILL_NET_ISOLATED === '1';
const HZ = 30;
const SKIP_PAIR = process.env.BENCH_SKIP_PAIR === '1';
const SECONDS = Number(process.env.BENCH_BROWSER_SECONDS ?? 20);
const SAMPLE_BYTES = 64;
const BURST = { everyMs: 2_000, count: 2_000, size: 1_024 };
/** Players in the full-size mesh (one Chromium, no voice); `BENCH_MESH_PAGES` overrides. */
const MESH_PAGES = Number(process.env.BENCH_MESH_PAGES ?? 16);
/** Players in the mesh with voice: what one Chromium keeps up with on 2 cores. */
const VOICE_MESH_PAGES = Number(process.env.BENCH_VOICE_MESH_PAGES ?? 4);
const MESH_PHYS_BYTES = 40;
/** Voice as a small mesh uses it (the defaults), and as a large one should (fewer, longer packets). */
interface VoiceSetting {
  bitrate: number;
  packetMs: 20 | 40 | 60;
}
const DEFAULT_VOICE: VoiceSetting = { bitrate: 20_000, packetMs: 20 };
const LARGE_MESH_VOICE: VoiceSetting = { bitrate: 16_000, packetMs: 60 };
/** Voice connections per player by default (VoiceOptions.maxPeers): proximity or team voice above it. */
const DEFAULT_VOICE_PEERS = 7;
const voiceLabel = (setting: VoiceSetting) =>
  `Opus voice at ${setting.bitrate / 1000} kbit/s, ${setting.packetMs} ms packets`;
const WARMUP_MS = 5_000;
const WINDOW_MS = Number(process.env.BENCH_MESH_WINDOW_MS ?? 15_000);
const MUTED_WINDOW_MS = 8_000;
/** IPv4 (20) + UDP (8) per packet: not in WebRTC's byte counters. */
const IP_UDP_HEADER = 28;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const NFT = existsSync('/usr/sbin/nft') ? '/usr/sbin/nft' : 'nft';
const LOSS_TABLE = 'vehikill_bench_browser_loss';

async function until(
  what: string | (() => string),
  timeoutMs: number,
  check: () => Promise<boolean>,
  pollMs = 250,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`browser bench: timed out waiting for ${typeof what === 'string' ? what : what()}`);
    }
    await sleep(pollMs);
  }
}

/**
 * Drops `percent`% of matching inbound packets (INPUT hook, as TESTING.md says) in this namespace until
 * the returned function is called. `match` is an nftables expression, e.g. `meta l4proto udp`.
 */
function inboundLoss(percent: number, match: string[]): () => void {
  try {
    execFileSync(NFT, ['delete', 'table', 'inet', LOSS_TABLE], { stdio: 'ignore' });
  } catch {
    // no stale table from an earlier, interrupted run
  }
  execFileSync(NFT, ['add', 'table', 'inet', LOSS_TABLE]);
  const remove = () => execFileSync(NFT, ['delete', 'table', 'inet', LOSS_TABLE]);
  try {
    execFileSync(NFT, [
      'add',
      'chain',
      'inet',
      LOSS_TABLE,
      'input',
      '{ type filter hook input priority 0; }',
    ]);
    execFileSync(NFT, [
      'add',
      'rule',
      'inet',
      LOSS_TABLE,
      'input',
      ...match,
      'numgen',
      'random',
      'mod',
      '100',
      '<',
      String(percent),
      'drop',
    ]);
  } catch (error) {
    remove();
    throw error;
  }
  return remove;
}

interface Pair {
  a: Page;
  b: Page;
  /** B's player id in each of the two rooms. */
  to: { direct: string; relay: string };
}

/**
 * Two pages, each with two clients: one in a room whose mesh goes direct (WebRTC), one in a room whose
 * mesh is relay-only (`rtc: false`). Every sample goes out on both at the same instant, so the direct and
 * relayed figures of a phase come from the same samples under the same conditions.
 */
async function openPair(context: BrowserContext, url: string): Promise<Pair> {
  const [a, b] = [await context.newPage(), await context.newPage()];
  await Promise.all([a.goto(url), b.goto(url)]);
  // Phys arrives at 30 Hz; a dispatch burst is 2,000 messages at once: lift the per-peer rate limit so
  // the benchmark measures the link, not the (default 240 msg/s) abuse guard.
  const limits = { peerMessagesPerSecond: 100_000 };
  const directA = await agent(a, 'open', 'direct', { direct: true, maxClients: 2, ...limits });
  const relayA = await agent(a, 'open', 'relay', { direct: false, maxClients: 2, ...limits });
  const directB = await agent(b, 'open', 'direct', { direct: true, roomId: directA.roomId, ...limits });
  const relayB = await agent(b, 'open', 'relay', { direct: false, roomId: relayA.roomId, ...limits });
  await until('the pair to connect (direct and relayed)', 30_000, async () => {
    const [ad, ar, bd, br] = await Promise.all([
      agent(a, 'links', 'direct'),
      agent(a, 'links', 'relay'),
      agent(b, 'links', 'direct'),
      agent(b, 'links', 'relay'),
    ]);
    return (
      ad[directB.playerId] === 'direct' &&
      bd[directA.playerId] === 'direct' &&
      ar[relayB.playerId] === 'relayed' &&
      br[relayA.playerId] === 'relayed'
    );
  });
  return { a, b, to: { direct: directB.playerId, relay: relayB.playerId } };
}

interface PhaseResult {
  sent: number;
  sentAt: number[];
  direct: Arrival[];
  relay: Arrival[];
  burstStarts: number[];
  burstDone: Array<[number, number]>;
  burstRefused: number;
  burstQueueMs: number[];
  worstTickGapMs: number;
  /** Worst main-thread stall of the receiving page (ms). */
  receiverStallMs: number;
  /** Link state changes on either side during the phase (a direct link falling back would show here). */
  stateChanges: string[];
  cpuBusy: number;
}

async function phase(pair: Pair, burst: boolean): Promise<PhaseResult> {
  await Promise.all(
    [pair.a, pair.b].flatMap((page) => [
      agent(page, 'resetArrivals', 'direct'),
      agent(page, 'resetArrivals', 'relay'),
    ]),
  );
  const cpuBefore = cpuTimes();
  const run = await agent(pair.a, 'sendPhys', {
    labels: ['direct', 'relay'],
    to: pair.to,
    hz: HZ,
    seconds: SECONDS,
    bytes: SAMPLE_BYTES,
    ...(burst ? { burst: BURST } : {}),
  });
  const cpu = cpuBusy(cpuBefore, cpuTimes());
  // Late samples (TCP retransmissions) still count: wait for them before collecting.
  await sleep(2_000);
  const [direct, relay, aDirect, aRelay] = await Promise.all([
    agent(pair.b, 'arrivals', 'direct'),
    agent(pair.b, 'arrivals', 'relay'),
    agent(pair.a, 'arrivals', 'direct'),
    agent(pair.a, 'arrivals', 'relay'),
  ]);
  return {
    sent: run.sent,
    sentAt: run.sentAt,
    direct: direct.arrivals,
    relay: relay.arrivals,
    burstStarts: run.burstStarts,
    burstDone: direct.burstDone,
    burstRefused: run.burstRefused,
    burstQueueMs: run.burstQueueMs,
    receiverStallMs: direct.worstStallMs,
    worstTickGapMs: run.worstTickGapMs,
    stateChanges: [direct, relay, aDirect, aRelay].flatMap((r) => r.stateChanges),
    cpuBusy: cpu,
  };
}

const latencies = (arrivals: readonly Arrival[]) =>
  arrivals.map(([, sentAt, arrivedAt]) => arrivedAt - sentAt).sort((x, y) => x - y);

async function pairWorkloads(url: string, serverPort: number): Promise<Row[]> {
  const browser = await launchChromium();
  const rows: Row[] = [];
  const workload = `peer phys one-way latency, 2 Chromium ${browser.version()} pages, loopback, ${HZ} Hz x ${SECONDS} s, ${SAMPLE_BYTES} B`;
  const record = (system: string, arrivals: readonly Arrival[], sent: number) => {
    const sorted = latencies(arrivals);
    rows.push({ workload, system, metric: 'p50', value: percentile(sorted, 50), unit: 'ms' });
    rows.push({ workload, system, metric: 'p99', value: percentile(sorted, 99), unit: 'ms' });
    rows.push({ workload, system, metric: 'max', value: sorted.at(-1) ?? Number.NaN, unit: 'ms' });
    rows.push({
      workload,
      system,
      metric: 'samples delivered',
      value: Math.round((arrivals.length / sent) * 1000) / 10,
      unit: '%',
    });
  };
  const note = (system: string, metric: string, value: number, unit: string) =>
    rows.push({ workload, system, metric, value, unit });
  try {
    const context = await browser.newContext();
    // Without the microphone permission Chromium gathers no usable candidate on loopback (TESTING.md).
    await context.grantPermissions(['microphone'], { origin: url });
    const pair = await openPair(context, url);
    const clock = await agent(pair.a, 'clockCheck', 'direct', pair.to.direct, 50);
    note('clock check: page B clock - page A clock', 'offset', clock.offsetMs, 'ms');
    note('clock check: page B clock - page A clock', 'ping round trip of that estimate', clock.rttMs, 'ms');

    const changed = (system: string, result: PhaseResult) => {
      note(system, 'link state changes during the run', result.stateChanges.length, '');
      note(system, 'sending page: worst gap between send ticks', result.worstTickGapMs, 'ms');
      note(system, 'receiving page: worst main-thread stall', result.receiverStallMs, 'ms');
      note(system, 'machine CPU busy (2 cores, anything running)', result.cpuBusy, '%');
    };

    const clean = await phase(pair, false);
    record('direct (WebRTC data channel)', clean.direct, clean.sent);
    record('relayed (server WebSocket; phys newest-only, 20 Hz)', clean.relay, clean.sent);
    changed('no loss', clean);

    const udpLoss = inboundLoss(5, ['meta', 'l4proto', 'udp']);
    let lossy: PhaseResult;
    try {
      lossy = await phase(pair, false);
    } finally {
      udpLoss();
    }
    record('direct, 5% inbound UDP loss', lossy.direct, lossy.sent);
    record('relayed, same samples, 5% inbound UDP loss (TCP: not hit by it)', lossy.relay, lossy.sent);
    changed('5% inbound UDP loss', lossy);

    const tcpLoss = inboundLoss(5, ['tcp', 'dport', String(serverPort)]);
    let tcpLossy: PhaseResult;
    try {
      tcpLossy = await phase(pair, false);
    } finally {
      tcpLoss();
    }
    record('relayed, 5% loss of inbound TCP packets to the server port', tcpLossy.relay, tcpLossy.sent);
    changed('5% inbound TCP loss to the server port', tcpLossy);

    const burst = await phase(pair, true);
    const system = `direct, dispatch bursts of ${BURST.count.toLocaleString('en-US')} x ${BURST.size} B every ${BURST.everyMs / 1000} s`;
    record(`${system}: all samples`, burst.direct, burst.sent);
    const done = new Map(burst.burstDone);
    const inFlight = (sentAt: number) =>
      burst.burstStarts.some((start, id) => sentAt >= start && sentAt <= (done.get(id) ?? Infinity));
    const during = burst.direct.filter(([, sentAt]) => inFlight(sentAt));
    const duringSent = burst.sentAt.filter(inFlight).length;
    record(`${system}: samples sent while a burst was in flight`, during, Math.max(1, duringSent));
    note(system, 'samples sent while a burst was in flight', duringSent, '');
    const durations = burst.burstStarts
      .map((start, id) => (done.get(id) ?? Number.NaN) - start)
      .sort((x, y) => x - y);
    note(system, 'burst delivered (send to last message), median', percentile(durations, 50), 'ms');
    note(system, 'bursts fully delivered', done.size, `of ${burst.burstStarts.length}`);
    note(system, 'dispatch sends refused', burst.burstRefused, '');
    note(
      system,
      'sending page: time in the send calls of one burst, median',
      percentile(
        [...burst.burstQueueMs].sort((x, y) => x - y),
        50,
      ),
      'ms',
    );
    changed('dispatch bursts', burst);
  } finally {
    await browser.close();
  }
  return rows;
}

interface Upstream {
  /** kbit/s per page. */
  data: number[];
  voice: number[];
  /** kbit/s per page of Opus payload (RTP payload bytes). */
  opus: number[];
  /** kbit/s per page of RTP headers (with header extensions). */
  rtpHeaders: number[];
  /** kbit/s per page with 28 B of IPv4+UDP header per packet added. */
  wire: number[];
  /** Connections counted (open and connected at both ends of the window), over all pages. */
  dataConnections: number;
  voiceConnections: number;
  /** Connections open at the start of the window but closed or not connected at its end. */
  lost: number;
}

/**
 * Upstream per page between two snapshots, from the connections connected at both ends (a connection
 * that died in between is not counted, and is reported in `lost`).
 */
function upstream(before: readonly StatsSnapshot[], after: readonly StatsSnapshot[]): Upstream {
  const result: Upstream = {
    data: [],
    voice: [],
    opus: [],
    rtpHeaders: [],
    wire: [],
    dataConnections: 0,
    voiceConnections: 0,
    lost: 0,
  };
  for (const [i, start] of before.entries()) {
    const end = after[i]!;
    const seconds = (end.at - start.at) / 1000;
    const kbps = (bytes: number) => (bytes * 8) / seconds / 1000;
    const ended = new Map(end.connections.map((c) => [c.id, c]));
    let data = 0;
    let voice = 0;
    let opus = 0;
    let rtpHeaders = 0;
    let packets = 0;
    for (const first of start.connections) {
      if (first.state !== 'connected') continue;
      const last = ended.get(first.id);
      if (last?.state !== 'connected') {
        result.lost++;
        continue;
      }
      const bytes = last.bytesSent - first.bytesSent;
      packets += last.packetsSent - first.packetsSent;
      if (first.kind === 'data') {
        data += bytes;
        result.dataConnections++;
      } else {
        voice += bytes;
        opus += last.rtpPayloadBytes - first.rtpPayloadBytes;
        rtpHeaders += last.rtpHeaderBytes - first.rtpHeaderBytes;
        result.voiceConnections++;
      }
    }
    result.data.push(kbps(data));
    result.voice.push(kbps(voice));
    result.opus.push(kbps(opus));
    result.rtpHeaders.push(kbps(rtpHeaders));
    result.wire.push(kbps(data + voice + packets * IP_UDP_HEADER));
  }
  return result;
}

interface Window {
  seconds: number;
  upstream: Upstream;
  /** Phys samples each page actually sent per second in the window (30 when its timers kept up). */
  physRates: number[];
  /** Data links in state `direct` at the end of the window, over all pages. */
  directLinks: number;
  /** Inbound audio packets per second on every voice connection. */
  audioRates: number[];
  cpuBusy: number;
}

async function measureWindow(pages: readonly Page[], ms: number): Promise<Window> {
  const audioBefore = await Promise.all(pages.map((page) => agent(page, 'inboundAudioPackets')));
  const before = await Promise.all(pages.map((page) => agent(page, 'stats')));
  const cpuBefore = cpuTimes();
  await sleep(ms);
  const after = await Promise.all(pages.map((page) => agent(page, 'stats')));
  const cpuAfter = cpuTimes();
  const audioAfter = await Promise.all(pages.map((page) => agent(page, 'inboundAudioPackets')));
  const seconds = (after[0]!.at - before[0]!.at) / 1000;
  return {
    seconds,
    upstream: upstream(before, after),
    physRates: after.map(
      (end, i) => (end.physSent - before[i]!.physSent) / ((end.at - before[i]!.at) / 1000),
    ),
    directLinks: after.reduce((sum, end) => sum + (end.linkStates.direct ?? 0), 0),
    audioRates: audioAfter.flatMap((counts, p) =>
      counts.map((count, i) => (count - (audioBefore[p]![i] ?? 0)) / seconds),
    ),
    cpuBusy: cpuBusy(cpuBefore, cpuAfter),
  };
}

const mean = (values: readonly number[]) => values.reduce((sum, x) => sum + x, 0) / values.length;
const sumOf = (a: readonly number[], b: readonly number[]) => a.map((x, i) => x + (b[i] ?? 0));

/** Per-link upstream seen in a mesh run (kbit/s), for the computed 16-player figure. */
interface PerLink {
  data: number;
  voice: number;
  /** Both, plus 28 B of IPv4+UDP header per packet. */
  wire: number;
}

/**
 * A full mesh of `pages` pages in one Chromium, every page broadcasting 40-byte phys samples at 30 Hz
 * and (with `voice`) talking over Opus with the fake microphone; upstream per player from getStats.
 */
async function meshUpstream(
  url: string,
  pages: number,
  voiceSetting: VoiceSetting | undefined,
): Promise<{ rows: Row[]; talking: PerLink; muted: PerLink | undefined }> {
  const voice = voiceSetting !== undefined;
  const wav = voice ? writeSpeechLikeWav() : undefined;
  const browser = await launchChromium(wav);
  const rows: Row[] = [];
  const workload = `upstream per player, ${pages}-page full mesh in one Chromium ${browser.version()}: phys ${MESH_PHYS_BYTES} B at ${HZ} Hz to every peer${voiceSetting ? ` + ${voiceLabel(voiceSetting)}` : ', no voice'}`;
  const note = (system: string, metric: string, value: number, unit: string) =>
    rows.push({ workload, system, metric, value, unit });
  const debug = process.env.BENCH_DEBUG === '1';
  const wanted = pages - 1;
  try {
    const context = await browser.newContext();
    await context.grantPermissions(['microphone'], { origin: url });
    const all: Page[] = [];
    let roomId: string | undefined;
    const setupStart = Date.now();
    for (let i = 0; i < pages; i++) {
      const page = await context.newPage();
      if (debug) page.on('console', (message) => console.error(`page ${i}: ${message.text()}`));
      await page.goto(url);
      const joined = await agent(page, 'open', 'mesh', {
        direct: true,
        maxClients: pages,
        maxMeshSize: Math.max(2, pages),
        ...(roomId ? { roomId } : {}),
      });
      roomId = joined.roomId;
      all.push(page);
      if (!voice) continue;
      const microphone = await agent(
        page,
        'startVoice',
        'mesh',
        voiceSetting?.bitrate ?? DEFAULT_VOICE.bitrate,
        wanted,
        voiceSetting?.packetMs ?? DEFAULT_VOICE.packetMs,
      );
      if (!microphone.ok) throw new Error(`browser bench: microphone refused: ${microphone.message}`);
    }
    let seen = '';
    await until(
      () => `${pages} pages to form a direct mesh (per page: ${seen})`,
      120_000,
      async () => {
        const states = await Promise.all(all.map((page) => agent(page, 'health')));
        seen = states
          .map(({ links, voice }) => `${JSON.stringify(links)} voice ${JSON.stringify(voice)}`)
          .join(', ');
        if (debug) console.error(`${(Date.now() - setupStart) / 1000} s: ${seen}`);
        return states.every(
          (state) => state.links.direct === wanted && (!voice || state.voice.connected === wanted),
        );
      },
      1_000,
    );
    note('setup', 'time until every connection was up', (Date.now() - setupStart) / 1000, 's');

    for (const page of all) await agent(page, 'startPhysLoop', 'mesh', HZ, MESH_PHYS_BYTES);
    await sleep(WARMUP_MS);
    const talking = await measureWindow(all, WINDOW_MS);
    let muted: Window | undefined;
    if (voice) {
      // Then everyone mutes: the voice connections stay up and Opus sends DTX silence.
      for (const page of all) await agent(page, 'muteVoice', 'mesh', true);
      await sleep(3_000);
      muted = await measureWindow(all, MUTED_WINDOW_MS);
    }
    for (const page of all) await agent(page, 'stopPhysLoop');

    const report = (name: string, w: Window): PerLink => {
      const up = w.upstream;
      const total = sumOf(up.data, up.voice);
      note(name, 'total per player, mean', mean(total), 'kbit/s');
      note(name, 'total per player, max', Math.max(...total), 'kbit/s');
      if (voice) {
        note(name, 'data channels per player, mean', mean(up.data), 'kbit/s');
        note(name, 'data channels per player, max', Math.max(...up.data), 'kbit/s');
        note(name, 'voice per player, mean', mean(up.voice), 'kbit/s');
        note(name, 'voice per player, max', Math.max(...up.voice), 'kbit/s');
      }
      note(name, 'total incl. IPv4+UDP headers (28 B/packet), mean', mean(up.wire), 'kbit/s');
      note(name, 'total incl. IPv4+UDP headers (28 B/packet), max', Math.max(...up.wire), 'kbit/s');
      const perLink = (values: readonly number[], links: number) =>
        values.reduce((sum, x) => sum + x, 0) / Math.max(1, links);
      const links: PerLink = {
        data: perLink(up.data, up.dataConnections),
        voice: perLink(up.voice, up.voiceConnections),
        wire: perLink(up.wire, up.dataConnections),
      };
      note(name, 'data per peer link, mean', links.data, 'kbit/s');
      if (voice) {
        note(name, 'voice per peer link, mean', links.voice, 'kbit/s');
        note(name, 'Opus payload per peer link, mean', perLink(up.opus, up.voiceConnections), 'kbit/s');
        note(name, 'RTP headers per peer link, mean', perLink(up.rtpHeaders, up.voiceConnections), 'kbit/s');
        note(name, 'inbound audio packets per voice connection, min', Math.min(...w.audioRates), '/s');
      }
      note(name, 'phys samples sent per page per second, mean', mean(w.physRates), '/s');
      note(name, 'phys samples sent per page per second, min', Math.min(...w.physRates), '/s');
      note(name, 'data links direct at the end', w.directLinks, `of ${pages * wanted}`);
      note(
        name,
        'connections counted (connected throughout)',
        up.dataConnections + up.voiceConnections,
        `of ${pages * wanted * (voice ? 2 : 1)}`,
      );
      note(name, 'machine CPU busy (2 cores, anything running)', w.cpuBusy, '%');
      return links;
    };
    const window = `${voice ? 'talking (continuous speech-like sound)' : 'phys only'}, ${Math.round(talking.seconds)} s window`;
    return {
      rows,
      talking: report(window, talking),
      muted: muted && report(`everyone muted (Opus DTX), ${Math.round(muted.seconds)} s window`, muted),
    };
  } finally {
    await browser.close();
    if (wav) rmSync(dirname(wav), { recursive: true, force: true });
  }
}

/** Aggregate CPU jiffies (busy, total) from /proc/stat. */
function cpuTimes(): { busy: number; total: number } {
  try {
    const line = execFileSync('head', ['-1', '/proc/stat'], { encoding: 'utf8' });
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((sum, x) => sum + x, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: Number.NaN, total: Number.NaN };
  }
}

function cpuBusy(before: { busy: number; total: number }, after: { busy: number; total: number }): number {
  return (100 * (after.busy - before.busy)) / (after.total - before.total);
}

export async function benchBrowserPeers(): Promise<Row[]> {
  if (!isolated) {
    console.error('note: Chromium peer benchmarks need the loopback-only namespace (npm run bench): skipped');
    return [];
  }
  if (!existsSync(CHROMIUM_PATH)) {
    console.error(
      `note: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium): browser peer benchmarks skipped`,
    );
    return [];
  }
  const dir = await buildAgentPage();
  const server = new GameServer({
    staticDir: dir,
    // Dozens of pages signal hundreds of connections at once: the per-connection abuse limits are not
    // what this measures.
    rateBurst: 100_000,
    ratePerSecond: 100_000,
  }).define('bench', BenchRoom);
  const { httpUrl, port } = await server.listen(0);
  try {
    const rows = SKIP_PAIR ? [] : await pairWorkloads(httpUrl, port);
    // 16 pages with voice do not fit in one Chromium on 2 cores (see BENCHMARKS.md): the full-size mesh
    // runs without voice, and a mesh small enough to keep up measures voice and data per link.
    const full = await meshUpstream(httpUrl, MESH_PAGES, undefined);
    rows.push(...full.rows);
    const peers = MESH_PAGES - 1;
    for (const setting of [DEFAULT_VOICE, LARGE_MESH_VOICE]) {
      const small = await meshUpstream(httpUrl, VOICE_MESH_PAGES, setting);
      rows.push(...small.rows);
      const workload = `upstream per player, ${MESH_PAGES}-player full mesh, phys ${MESH_PHYS_BYTES} B at ${HZ} Hz + ${voiceLabel(setting)}`;
      const computed = (system: string, links: PerLink, voicePeers: number) => {
        const name = `${system}, voice to ${voicePeers} of ${peers} peers: COMPUTED from per-link bytes of the ${VOICE_MESH_PAGES}-page run, not measured`;
        rows.push({
          workload,
          system: name,
          metric: 'total per player',
          value: peers * links.data + voicePeers * links.voice,
          unit: 'kbit/s',
        });
        // The per-link wire figure covers data and voice together: only meaningful with voice to all.
        if (voicePeers === peers) {
          rows.push({
            workload,
            system: name,
            metric: 'total incl. IPv4+UDP headers',
            value: peers * links.wire,
            unit: 'kbit/s',
          });
        }
      };
      for (const voicePeers of [peers, DEFAULT_VOICE_PEERS]) {
        computed('talking', small.talking, voicePeers);
        if (small.muted) computed('everyone muted', small.muted, voicePeers);
      }
    }
    return rows;
  } finally {
    await server.close({ drainMs: 0 });
    rmSync(dir, { recursive: true, force: true });
  }
}
