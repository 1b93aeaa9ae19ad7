import type { CheckpointInfo } from '../../shared/api';

/**
 * The options of a language-model checkpoint select (runs.checkpoints): `best` first, then each
 * checkpoint by its label, the one marked best said so. While the list loads, only `best`.
 */
export function CheckpointOptions({ checkpoints }: { checkpoints: readonly CheckpointInfo[] | null | undefined }) {
  return (
    <>
      <option value="best">best</option>
      {(checkpoints ?? [])
        .filter((c) => c.id !== 'best')
        .map((c) => (
          <option key={c.id} value={c.id}>
            {c.label}
            {c.best ? ' (best)' : ''}
          </option>
        ))}
    </>
  );
}
