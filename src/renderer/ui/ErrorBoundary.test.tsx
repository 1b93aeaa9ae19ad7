/** @vitest-environment happy-dom */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render, screen } from '@testing-library/react';
import { ErrorBoundary } from './ErrorBoundary';

afterEach(cleanup);

function Broken(): never {
  throw new Error('metrics missing');
}

describe('ErrorBoundary', () => {
  it("keeps a page's crash inside the page and names it", () => {
    // React and the boundary log the caught error; keep the test output readable.
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    render(
      <div>
        <nav>header</nav>
        <ErrorBoundary page="the run page">
          <Broken />
        </ErrorBoundary>
      </div>,
    );
    expect(screen.getByRole('alert').textContent).toContain('Something went wrong on the run page');
    expect(screen.getByRole('alert').textContent).toContain('metrics missing');
    expect(screen.getByText('header')).toBeTruthy();
    spy.mockRestore();
  });
});
