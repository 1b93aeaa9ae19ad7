/** @vitest-environment happy-dom */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, screen, waitFor } from '@testing-library/react';
import { renderWithApp } from '../testing/recording-client';
import { useApiQuery } from './queries';

afterEach(cleanup);

function Checkpoints({ id }: { id: string }) {
  const q = useApiQuery('runs.checkpoints', { id });
  return <p data-testid="out">{q.error ? `error: ${q.error}` : q.data ? `${q.data.length} checkpoints` : 'loading'}</p>;
}

function Twice() {
  return (
    <>
      <Checkpoints id="r1" />
      <Checkpoints id="r1" />
    </>
  );
}

describe('useApiQuery', () => {
  it('asks once for two readers of the same key, and again when an event of that run says it changed', async () => {
    let n = 0;
    const app = renderWithApp(<Twice />, { 'runs.checkpoints': () => Array.from({ length: ++n }, (_, i) => ({ epoch: i })) });
    await waitFor(() => expect(screen.getAllByTestId('out').map((e) => e.textContent)).toEqual(['1 checkpoints', '1 checkpoints']));
    expect(app.calls.filter((c) => c.method === 'runs.checkpoints')).toHaveLength(1);

    // Another run's artefact changes nothing here.
    app.emit('run.artefact', { id: 9, runId: 'r2', kind: 'checkpoint', epoch: 1, createdAt: 0, path: 'x', meta: {} } as never);
    await new Promise((r) => setTimeout(r, 20));
    expect(app.calls.filter((c) => c.method === 'runs.checkpoints')).toHaveLength(1);

    app.emit('run.artefact', { id: 10, runId: 'r1', kind: 'checkpoint', epoch: 2, createdAt: 0, path: 'x', meta: {} } as never);
    await waitFor(() => expect(screen.getAllByTestId('out')[0]?.textContent).toBe('2 checkpoints'));
    expect(app.calls.filter((c) => c.method === 'runs.checkpoints')).toHaveLength(2);
  });

  it('shows the error of a failed call', async () => {
    renderWithApp(<Checkpoints id="r1" />, {});
    await waitFor(() => expect(screen.getByTestId('out').textContent).toBe('error: no answer for runs.checkpoints in this test'));
  });
});
