import { describe, expect, it } from 'vitest';
import { type DeviceEnvironment, DeviceWatch, physRateFor } from '../../../src/client/index.js';
import { decodeDeviceReport, encodeDeviceReport } from '../../../src/transport/index.js';
import { fakePage as page } from '../../support/fake-page.js';

/** A page on an 8-core machine (and whatever else `extra` tells). */
function fakePage(extra: DeviceEnvironment['navigator'] = {}) {
  return page({ hardwareConcurrency: 8, ...extra });
}

describe('DeviceWatch', () => {
  it('reports a hidden page as hidden, and says so when it changes', () => {
    const page = fakePage();
    const watch = new DeviceWatch(page.env);
    expect(watch.state.class).toBe('normal');
    const seen: string[] = [];
    watch.on('change', (state) => seen.push(state.class));
    page.setVisibility('hidden');
    expect(watch.state).toEqual({ report: { hidden: true, cores: 8 }, class: 'hidden' });
    page.setVisibility('visible');
    expect(seen).toEqual(['hidden', 'normal']);
    watch.close();
  });

  it('reads battery and data saver where the browser has them', async () => {
    const page = fakePage({
      connection: { effectiveType: '4g', saveData: false },
      getBattery: async () => ({ level: 0.1, charging: false }),
    });
    const watch = new DeviceWatch(page.env);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(watch.state.report.battery).toEqual({ level: 0.1, charging: false });
    expect(watch.state.class).toBe('saving');
    watch.close();
  });

  it('reports nothing where there is nothing to read (Node)', () => {
    expect(new DeviceWatch({}).state).toEqual({ report: {}, class: 'normal' });
  });

  it('suggests a lower peer phys rate for hidden and saving devices', () => {
    expect(physRateFor('normal', 30)).toBe(30);
    expect(physRateFor('hidden', 30)).toBe(5);
    expect(physRateFor('saving', 30)).toBe(10);
  });
});

describe('device report frames', () => {
  it('round-trip and refuse what does not validate', () => {
    const report = { hidden: true, cores: 4, battery: { level: 0.5, charging: true } };
    expect(decodeDeviceReport(encodeDeviceReport(report))).toEqual(report);
    const bad = (json: string) => Uint8Array.of(5, ...new TextEncoder().encode(json));
    expect(decodeDeviceReport(bad('{"cores":-1}'))).toBeUndefined();
    expect(decodeDeviceReport(bad('{"battery":{"level":7,"charging":true}}'))).toBeUndefined();
    expect(decodeDeviceReport(bad('{"extra":1}'))).toBeUndefined();
    expect(decodeDeviceReport(bad('not json'))).toBeUndefined();
    expect(decodeDeviceReport(bad(`{"effectiveType":"${'x'.repeat(300)}"}`))).toBeUndefined();
  });
});
