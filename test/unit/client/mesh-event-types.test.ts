import type { MeshEvents, PeerLink } from 'vehikill-net/client';
import { describe, expectTypeOf, it } from 'vitest';

describe('the mesh’s link states, as TypeScript sees them', () => {
  it('are the three a mesh link is ever in, so a switch over them needs no dead branch', () => {
    // Checked by the type-check (`tsc`), not at run time.
    expectTypeOf<MeshEvents['peer-state']['state']>().toEqualTypeOf<'direct' | 'relayed' | 'closed'>();
    expectTypeOf<PeerLink['state']>().toEqualTypeOf<'direct' | 'relayed' | 'closed'>();
  });
});
