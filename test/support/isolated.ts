/**
 * Whether the tests run in their own loopback-only network namespace (scripts/isolated.sh). Tests that
 * start browsers (they gather candidates on every interface) or set nftables rules (they belong only in
 * the tests' own namespace) run only there, where nothing can leave loopback.
 */
export const isolated = process.env.VEHIKILL_NET_ISOLATED === '1';
