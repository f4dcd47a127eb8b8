import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  numberFromEnvironment,
  optionsFromEnvironment,
  portFromEnvironment,
  registryAddressForLog,
  registryFromEnvironment,
} from 'vehikill-net/server';
import { describe, expect, it } from 'vitest';
import { selfSignedCert } from '../../support/self-signed.js';

const app = { staticDir: tmpdir(), label: 'test' };

describe('numberFromEnvironment', () => {
  it('reads whole numbers and falls back when unset or empty', () => {
    expect(numberFromEnvironment({ PORT: '8080' }, 'PORT', 1)).toBe(8080);
    expect(numberFromEnvironment({}, 'PORT', 1)).toBe(1);
    expect(numberFromEnvironment({ PORT: '' }, 'PORT', 1)).toBe(1);
  });

  it('refuses anything that is not a whole number, naming the variable', () => {
    for (const raw of ['abc', '-1', '8080.5', '1e3', '0x1f90', 'Infinity']) {
      expect(() => numberFromEnvironment({ PORT: raw }, 'PORT', 1), raw).toThrow(/PORT/);
    }
  });
});

describe('optionsFromEnvironment', () => {
  it('refuses half a TLS configuration instead of serving plain HTTP', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vehikill-env-'));
    const pem = join(dir, 'x.pem');
    writeFileSync(pem, 'not really a certificate');
    await expect(optionsFromEnvironment({ TLS_CERT: pem }, app)).rejects.toThrow(/TLS_KEY/);
    await expect(optionsFromEnvironment({ TLS_KEY: pem }, app)).rejects.toThrow(/TLS_CERT/);
  });

  it('names the variable when a TLS file cannot be read, or is not a PEM certificate or key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vehikill-env-'));
    const { cert, key } = selfSignedCert();
    const certFile = join(dir, 'cert.pem');
    const keyFile = join(dir, 'key.pem');
    const junk = join(dir, 'junk.pem');
    writeFileSync(certFile, cert);
    writeFileSync(keyFile, key);
    writeFileSync(junk, 'not a PEM file');
    await expect(
      optionsFromEnvironment({ TLS_CERT: join(dir, 'missing.pem'), TLS_KEY: keyFile }, app),
    ).rejects.toThrow(/^TLS_CERT names a file that cannot be read/);
    await expect(optionsFromEnvironment({ TLS_CERT: junk, TLS_KEY: keyFile }, app)).rejects.toThrow(
      /^TLS_CERT names a file that is not a PEM certificate/,
    );
    // Each file where the other belongs: the key is no certificate, the certificate no key.
    await expect(optionsFromEnvironment({ TLS_CERT: keyFile, TLS_KEY: certFile }, app)).rejects.toThrow(
      /^TLS_CERT names a file that is not a PEM certificate/,
    );
    await expect(optionsFromEnvironment({ TLS_CERT: certFile, TLS_KEY: junk }, app)).rejects.toThrow(
      /^TLS_KEY names a file that is not a PEM private key/,
    );
    const { options } = await optionsFromEnvironment({ TLS_CERT: certFile, TLS_KEY: keyFile }, app);
    expect(options.tls?.cert).toEqual(cert);
  });

  it('names ALERT_WEBHOOK_URL when it is no http(s) URL, and REDIS_CLUSTER_NODES when a node is no address', async () => {
    for (const raw of ['notaurl', 'ftp://example.com/hook', 'redis://x']) {
      await expect(optionsFromEnvironment({ ALERT_WEBHOOK_URL: raw }, app), raw).rejects.toThrow(
        /^ALERT_WEBHOOK_URL must be an http:\/\/ or https:\/\/ URL/,
      );
    }
    const { options } = await optionsFromEnvironment({ ALERT_WEBHOOK_URL: 'https://ops.example/hook' }, app);
    expect(options.alertWebhookUrl).toBe('https://ops.example/hook');
    for (const raw of [
      'garbage@@',
      '127.0.0.1:6379,:x',
      'redis://:99999999',
      '127.0.0.1:0',
      'http://h:6379',
    ]) {
      await expect(registryFromEnvironment({ REDIS_CLUSTER_NODES: raw }), raw).rejects.toThrow(
        /^REDIS_CLUSTER_NODES: not a Redis Cluster node address/,
      );
    }
  });

  it('refuses a malformed variable before it connects to Redis, naming it at once', async () => {
    // Nothing listens on port 1: a start that connected first would wait the registry's 5 s, then blame
    // Redis (and a library caller would be left holding a registry it never got).
    const unreachableRedis = { REDIS_URL: 'redis://127.0.0.1:1' };
    const started = performance.now();
    for (const [name, raw] of [
      ['ALERT_WEBHOOK_URL', 'ftp://example.com/hook'],
      ['ADMIN_TOKEN', 'too-short'],
      ['ADMIN_TOKEN', 'a-long-enough-admin-token\n'],
      ['METRICS_TOKEN', ' a-metrics-token'],
      ['UDP_PORT', '70000'],
      ['TRUST_PROXY', 'yes'],
      ['HOST', '[::1]'],
    ] as const) {
      await expect(optionsFromEnvironment({ ...unreachableRedis, [name]: raw }, app), name).rejects.toThrow(
        new RegExp(`^${name}`),
      );
    }
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it("refuses a value the server's options refuse before it connects to Redis, too", async () => {
    // Read well (a URL, a whole number) but refused by GameServer: the same 5 s wait and blame of Redis.
    const unreachableRedis = { REDIS_URL: 'redis://127.0.0.1:1' };
    const started = performance.now();
    for (const [name, raw, said] of [
      [
        'PUBLIC_URL',
        'http://node3.example.com/ws',
        /^GameServer option 'publicUrl' must be a ws: or wss: URL/,
      ],
      ['CONNECT_BURST', '0', /^GameServer option 'connectBurst' must be an integer of at least 1/],
      ['ROOM_CREATES_PER_SECOND', '0', /^GameServer option 'roomCreatesPerSecond' must be above 0/],
    ] as const) {
      await expect(optionsFromEnvironment({ ...unreachableRedis, [name]: raw }, app), name).rejects.toThrow(
        said,
      );
    }
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('names GUEST_SECRET when it is too short to sign with, before it connects to Redis', async () => {
    // GameServer refused it too, but only after the registry's 5 s wait, and as "guest token secret".
    const unreachableRedis = { REDIS_URL: 'redis://127.0.0.1:1' };
    const started = performance.now();
    await expect(
      optionsFromEnvironment({ ...unreachableRedis, GUEST_SECRET: 'hunter2' }, app),
    ).rejects.toThrow(/^GUEST_SECRET must be at least 32 bytes/);
    expect(performance.now() - started).toBeLessThan(2_000);
    const secret = 'x'.repeat(32);
    const { options } = await optionsFromEnvironment({ GUEST_SECRET: secret }, app);
    expect(options.guestSecret).toBe(secret);
  });

  it('reads GUEST_AUDIENCE, naming it when it is too long, and takes an empty one as unset', async () => {
    const { options } = await optionsFromEnvironment({ GUEST_AUDIENCE: 'vehikill staging' }, app);
    expect(options.guestAudience).toBe('vehikill staging');
    const { options: unset } = await optionsFromEnvironment({ GUEST_AUDIENCE: '' }, app);
    expect(unset.guestAudience).toBeUndefined();
    await expect(optionsFromEnvironment({ GUEST_AUDIENCE: 'x'.repeat(129) }, app)).rejects.toThrow(
      /^GUEST_AUDIENCE must be at most 128 characters, got 129/,
    );
  });

  it('names HOST when it is no IP address or host name, and takes an empty one as unset', async () => {
    for (const raw of ['[::1]', 'a host', 'http://localhost', 'host:8080', '-']) {
      await expect(optionsFromEnvironment({ HOST: raw }, app), raw).rejects.toThrow(
        /^HOST must be an IP address \(IPv6 without brackets\) or a host name/,
      );
    }
    const hosts = [
      '0.0.0.0',
      '::',
      '::1',
      'localhost',
      'game-1.example.com',
      'fe80::1%eth0',
      'game_server_1',
    ];
    for (const raw of hosts) {
      expect((await optionsFromEnvironment({ HOST: raw }, app)).options.host, raw).toBe(raw);
    }
    expect((await optionsFromEnvironment({ HOST: '' }, app)).options.host).toBe('127.0.0.1');
  });

  it('names PORT when it is no port number', () => {
    expect(portFromEnvironment({}, 'PORT', 8080)).toBe(8080);
    expect(portFromEnvironment({ PORT: '9000' }, 'PORT', 8080)).toBe(9000);
    expect(() => portFromEnvironment({ PORT: '70000' }, 'PORT', 8080)).toThrow(
      /^PORT must be a port number from 0 to 65535/,
    );
  });

  it('reads TRUST_PROXY as the reverse proxies in front of the server, none when unset', async () => {
    expect((await optionsFromEnvironment({ TRUST_PROXY: '1' }, app)).options.trustProxy).toBe(1);
    expect((await optionsFromEnvironment({}, app)).options.trustProxy).toBeUndefined();
    await expect(optionsFromEnvironment({ TRUST_PROXY: 'yes' }, app)).rejects.toThrow(/TRUST_PROXY/);
  });

  it('reads MAX_CONNECTIONS_PER_ADDRESS, the default when unset', async () => {
    const env = { MAX_CONNECTIONS_PER_ADDRESS: '2000' };
    expect((await optionsFromEnvironment(env, app)).options.maxConnectionsPerAddress).toBe(2000);
    expect((await optionsFromEnvironment({}, app)).options.maxConnectionsPerAddress).toBeUndefined();
    await expect(optionsFromEnvironment({ MAX_CONNECTIONS_PER_ADDRESS: 'many' }, app)).rejects.toThrow(
      /MAX_CONNECTIONS_PER_ADDRESS/,
    );
  });
});

describe('UDP_PORT', () => {
  it("is the server link's UDP port: a port number, or refused naming the variable", async () => {
    const read = async (UDP_PORT: string) => (await optionsFromEnvironment({ UDP_PORT }, app)).options;
    expect((await read('4000')).serverLink?.udpPort).toBe(4000);
    expect((await read('65535')).serverLink?.udpPort).toBe(65_535);
    expect((await optionsFromEnvironment({}, app)).options.serverLink?.udpPort).toBeUndefined();
    for (const raw of ['70000', '65536', '-5', '1.5']) {
      await expect(read(raw), raw).rejects.toThrow(TypeError);
      await expect(read(raw), raw).rejects.toThrow(/UDP_PORT/);
    }
  });
});

describe('ANNOUNCED_ADDRESS', () => {
  it('is the address in the server link candidates: an IP address or host name, else refused naming it', async () => {
    const announced = async (ANNOUNCED_ADDRESS: string) =>
      (await optionsFromEnvironment({ ANNOUNCED_ADDRESS }, app)).options.serverLink?.announcedAddresses;
    expect(await announced('203.0.113.10')).toEqual(['203.0.113.10']);
    expect(await announced('2001:db8::10')).toEqual(['2001:db8::10']);
    expect(await announced('udp.example.com')).toEqual(['udp.example.com']);
    expect(await announced('')).toBeUndefined();
    // A port, a stray space or a list would each be written into every candidate as the address.
    for (const raw of ['203.0.113.10:3478', ' 203.0.113.10', '203.0.113.10 ', '203.0.113.10,198.51.100.7']) {
      await expect(announced(raw), raw).rejects.toThrow(
        /^ANNOUNCED_ADDRESS must be an IP address \(IPv6 without brackets\) or a host name/,
      );
    }
  });
});

describe('room creation rate from the environment', () => {
  it('reads ROOM_CREATE_BURST and ROOM_CREATES_PER_SECOND, the defaults when unset', async () => {
    const env = { ROOM_CREATE_BURST: '1000', ROOM_CREATES_PER_SECOND: '50' };
    const { options } = await optionsFromEnvironment(env, app);
    expect([options.roomCreateBurst, options.roomCreatesPerSecond]).toEqual([1000, 50]);
    const unset = (await optionsFromEnvironment({}, app)).options;
    expect([unset.roomCreateBurst, unset.roomCreatesPerSecond]).toEqual([undefined, undefined]);
    await expect(optionsFromEnvironment({ ROOM_CREATES_PER_SECOND: '0.5' }, app)).rejects.toThrow(
      /ROOM_CREATES_PER_SECOND/,
    );
  });
});

describe('connection rate from the environment', () => {
  it('reads CONNECT_BURST and CONNECTS_PER_SECOND, the defaults when unset', async () => {
    const { options } = await optionsFromEnvironment(
      { CONNECT_BURST: '500', CONNECTS_PER_SECOND: '100' },
      app,
    );
    expect([options.connectBurst, options.connectsPerSecond]).toEqual([500, 100]);
    const unset = (await optionsFromEnvironment({}, app)).options;
    expect([unset.connectBurst, unset.connectsPerSecond]).toEqual([undefined, undefined]);
    await expect(optionsFromEnvironment({ CONNECT_BURST: 'lots' }, app)).rejects.toThrow(/CONNECT_BURST/);
  });
  it('reads GUEST_TOKEN_BURST and GUEST_TOKENS_PER_SECOND, the defaults when unset', async () => {
    const { options } = await optionsFromEnvironment(
      { GUEST_TOKEN_BURST: '500', GUEST_TOKENS_PER_SECOND: '100' },
      app,
    );
    expect([options.guestTokenBurst, options.guestTokensPerSecond]).toEqual([500, 100]);
    const unset = (await optionsFromEnvironment({}, app)).options;
    expect([unset.guestTokenBurst, unset.guestTokensPerSecond]).toEqual([undefined, undefined]);
    await expect(optionsFromEnvironment({ GUEST_TOKEN_BURST: 'lots' }, app)).rejects.toThrow(
      /GUEST_TOKEN_BURST/,
    );
  });
});

describe('registryAddressForLog', () => {
  it('hides passwords in REDIS_URL and in cluster seed nodes', () => {
    expect(registryAddressForLog({})).toBeUndefined();
    expect(registryAddressForLog({ REDIS_URL: 'redis://127.0.0.1:6379' })).toBe('redis://127.0.0.1:6379');
    expect(registryAddressForLog({ REDIS_URL: 'rediss://app:s3cret@redis.internal:6380/2' })).toBe(
      'rediss://app:***@redis.internal:6380/2',
    );
    expect(
      registryAddressForLog({
        REDIS_CLUSTER_NODES: 'redis://:s3cret@10.0.0.1:7000,10.0.0.2:7001',
        REDIS_URL: 'x',
      }),
    ).toBe('redis://:***@10.0.0.1:7000,10.0.0.2:7001');
  });

  it('hides the password of a cluster seed node written without a scheme, as the registry reads it', () => {
    // `registry:s3cret@10.0.0.1:7000` is read as redis://registry:s3cret@10.0.0.1:7000 (user and password).
    const said = registryAddressForLog({
      REDIS_CLUSTER_NODES: 'registry:s3cret@10.0.0.1:7000,10.0.0.2:7001',
    });
    expect(said).not.toContain('s3cret');
    expect(said).toBe('registry:***@10.0.0.1:7000,10.0.0.2:7001');
  });
});
