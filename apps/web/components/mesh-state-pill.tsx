/** A workload's mesh state as a coloured pill. */
import type { MeshState } from '@weft/shared';

const LABEL: Record<MeshState, string> = {
  unmeshed: 'Unmeshed',
  meshing: 'Meshing…',
  meshed: 'Meshed',
  unmeshing: 'Unmeshing…',
  failed: 'Failed',
};

const CLASS: Record<MeshState, string> = {
  unmeshed: 'health-idle',
  meshing: 'health-progress',
  meshed: 'health-healthy',
  unmeshing: 'health-progress',
  failed: 'health-failing',
};

export function MeshStatePill({ state }: { state: MeshState }) {
  return <span className={`pill ${CLASS[state]}`}>{LABEL[state]}</span>;
}
