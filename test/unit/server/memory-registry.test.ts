import { MemoryRegistry } from 'vehikill-net/server';
import { registryContract } from './registry-contract.js';

registryContract('memory', async () => new MemoryRegistry());
