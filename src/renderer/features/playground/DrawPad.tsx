import { useRef, type PointerEvent } from 'react';
import type { Grid } from '../../../shared/convolve';
import { MapCanvas } from './MapCanvas';
import { blank, paint, sampleSeven, stroke } from './playground-images';
import './playground.css';

const ZOOM = 8;

/** A 28x28 pad to draw a digit on with the mouse, pen or a finger (or fill with a sample 7). */
export function DrawPad({ grid, onChange }: { grid: Grid; onChange(update: (g: Grid) => Grid): void }) {
  const last = useRef<[number, number] | null>(null);

  const at = (e: PointerEvent<HTMLDivElement>): [number, number] => {
    const rect = e.currentTarget.getBoundingClientRect();
    return [((e.clientX - rect.left) / rect.width) * grid.width, ((e.clientY - rect.top) / rect.height) * grid.height];
  };
  const onDown = (e: PointerEvent<HTMLDivElement>) => {
    e.currentTarget.setPointerCapture(e.pointerId);
    const [x, y] = at(e);
    last.current = [x, y];
    onChange((g) => paint(g, x, y));
  };
  const onMove = (e: PointerEvent<HTMLDivElement>) => {
    if (!last.current) return;
    const [x, y] = at(e);
    const [x0, y0] = last.current;
    last.current = [x, y];
    onChange((g) => stroke(g, x0, y0, x, y));
  };
  const onUp = () => {
    last.current = null;
  };

  return (
    <div className="draw-pad">
      <div
        className="draw-surface"
        onPointerDown={onDown}
        onPointerMove={onMove}
        onPointerUp={onUp}
        onPointerCancel={onUp}
        data-testid="draw-pad"
        style={{ width: grid.width * ZOOM, height: grid.height * ZOOM }}
      >
        <MapCanvas values={grid.values} height={grid.height} width={grid.width} colouring="unit" zoom={ZOOM} label="Drawing pad, 28 by 28 pixels" />
      </div>
      <div className="draw-actions">
        <button type="button" className="btn btn-small" onClick={() => onChange((g) => blank(g.width))}>
          Clear
        </button>
        <button type="button" className="btn btn-small" onClick={() => onChange((g) => sampleSeven(g.width))} data-testid="draw-sample">
          Draw a sample 7
        </button>
      </div>
    </div>
  );
}
