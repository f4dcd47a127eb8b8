import { ManualClock, MemoryRegistry } from 'vehikill-net/server';
import { registryContract } from './registry-contract.js';

const clock = new ManualClock();
registryContract('memory', async () => new MemoryRegistry({ clock }), {
  async pass(ms) {
    clock.advance(ms);
  },
});
