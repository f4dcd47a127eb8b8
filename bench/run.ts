/** `npm run bench`: runs every workload, prints one table, writes bench/results/latest.json. */
import { type Row, report } from './results.js';
import { benchBrowserPeers } from './workloads/browser-peers.js';
import { benchCodec } from './workloads/codec.js';
import { benchFanout } from './workloads/fanout.js';
import { benchPeerLatency } from './workloads/peer-latency.js';
import { benchReconnect } from './workloads/reconnect.js';
import { benchServerLink } from './workloads/server-link-all.js';

const rows: Row[] = [];
rows.push(...benchCodec());
rows.push(...(await benchFanout()));
rows.push(...(await benchReconnect()));
rows.push(...(await benchPeerLatency()));
rows.push(...(await benchBrowserPeers()));
rows.push(...(await benchServerLink()));
report(rows);
