/** `npm run bench`: runs every workload, prints one table, writes bench/results/latest.json. */
import { type Row, report } from './results.js';
import { benchBrowserPeers } from './workloads/browser-peers.js';
import { benchCcu } from './workloads/ccu/bench-ccu.js';
import { benchCodec } from './workloads/codec.js';
import { benchFanout } from './workloads/fanout.js';
import { benchNetcodeLab } from './workloads/netcode-lab.js';
import { benchPeerLatency } from './workloads/peer-latency.js';
import { benchReconnect } from './workloads/reconnect.js';
import { benchReconnectFlood } from './workloads/reconnect-flood.js';
import { benchRegistryScale } from './workloads/registry-scale.js';
import { benchRoomTimers } from './workloads/room-timers.js';
import { benchServerLink } from './workloads/server-link-all.js';
import { simStepBench } from './workloads/sim-step.js';
import { benchSyncBudget } from './workloads/sync-budget.js';
import { benchSyncCpu } from './workloads/sync-cpu.js';
import { benchSyncMemory } from './workloads/sync-memory.js';
import { benchSyncViews } from './workloads/sync-views.js';
import { benchSyncViewsColyseus } from './workloads/sync-views-colyseus.js';
import { benchSyncW1 } from './workloads/sync-w1.js';
import { benchSyncW2 } from './workloads/sync-w2.js';
import { benchVehikillMatch } from './workloads/vehikill-match.js';

const rows: Row[] = [];
rows.push(...benchCodec());
rows.push(...(await benchFanout()));
rows.push(...(await benchReconnect()));
rows.push(...(await benchReconnectFlood()));
rows.push(...(await benchPeerLatency()));
rows.push(...(await benchBrowserPeers()));
rows.push(...(await benchServerLink()));
rows.push(...benchSyncW1());
rows.push(...benchSyncW2());
rows.push(...benchSyncCpu());
rows.push(...benchSyncViews());
rows.push(...benchSyncViewsColyseus());
rows.push(...benchSyncMemory());
rows.push(...benchSyncBudget());
rows.push(...(await simStepBench()));
rows.push(...benchNetcodeLab());
rows.push(...(await benchCcu()));
rows.push(...(await benchRegistryScale()));
rows.push(...(await benchRoomTimers()));
rows.push(...(await benchVehikillMatch()));
report(rows);
// node-datachannel's native threads can take many seconds to wind down after hundreds of connections
// closed; the results are written, so do not wait for them.
process.exit(0);
