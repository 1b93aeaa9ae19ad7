/** @vitest-environment happy-dom */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/react';
import { CheckpointOptions } from './CheckpointOptions';

afterEach(cleanup);

describe('CheckpointOptions', () => {
  it('offers best first, then every checkpoint by label, the best one said so; only best while loading', () => {
    render(
      <select data-testid="ck">
        <CheckpointOptions
          checkpoints={[
            { id: 'best', label: 'best', epoch: 2, step: 20, best: true },
            { id: 'epoch-1', label: 'epoch 1', epoch: 1, step: 10, best: false },
            { id: 'epoch-2', label: 'epoch 2', epoch: 2, step: 20, best: true },
          ]}
        />
      </select>,
    );
    const options = [...(screen.getByTestId('ck') as HTMLSelectElement).options].map((o) => [o.value, o.textContent]);
    expect(options).toEqual([
      ['best', 'best'],
      ['epoch-1', 'epoch 1'],
      ['epoch-2', 'epoch 2 (best)'],
    ]);
    cleanup();
    render(
      <select data-testid="ck">
        <CheckpointOptions checkpoints={null} />
      </select>,
    );
    expect((screen.getByTestId('ck') as HTMLSelectElement).options).toHaveLength(1);
  });
});
