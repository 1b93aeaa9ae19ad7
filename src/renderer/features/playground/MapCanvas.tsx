import { useEffect, useRef, type CSSProperties, type KeyboardEvent, type PointerEvent } from 'react';
import { mapToRgba, type MapColouring } from './map-image';
import './playground.css';

interface Props {
  values: ArrayLike<number>;
  height: number;
  width: number;
  colouring: MapColouring;
  /** CSS pixels per cell. */
  zoom: number;
  label: string;
  className?: string;
  style?: CSSProperties;
  testId?: string;
  /** Focusable and pointer-aware: reports the cell under the pointer, arrow keys move it. */
  onCell?: (row: number, col: number) => void;
  selected?: { row: number; col: number } | null;
}

/** A map of numbers drawn one canvas pixel per cell and scaled up without smoothing. */
export function MapCanvas({ values, height, width, colouring, zoom, label, className, style, testId, onCell, selected }: Props) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx || values.length !== height * width || height < 1 || width < 1) return;
    const img = ctx.createImageData(width, height);
    img.data.set(mapToRgba(values, colouring));
    ctx.putImageData(img, 0, 0);
  }, [values, height, width, colouring]);

  const cellAt = (e: PointerEvent<HTMLCanvasElement>): [number, number] => {
    const rect = e.currentTarget.getBoundingClientRect();
    const col = Math.floor(((e.clientX - rect.left) / rect.width) * width);
    const row = Math.floor(((e.clientY - rect.top) / rect.height) * height);
    return [Math.min(height - 1, Math.max(0, row)), Math.min(width - 1, Math.max(0, col))];
  };
  const onKeyDown = (e: KeyboardEvent<HTMLCanvasElement>) => {
    if (!onCell || !selected) return;
    const moves: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const m = moves[e.key];
    if (!m) return;
    e.preventDefault();
    onCell(Math.min(height - 1, Math.max(0, selected.row + m[0])), Math.min(width - 1, Math.max(0, selected.col + m[1])));
  };

  return (
    <canvas
      ref={ref}
      width={width}
      height={height}
      className={`map-canvas${onCell ? ' map-canvas-interactive' : ''}${className ? ` ${className}` : ''}`}
      style={{ width: width * zoom, height: height * zoom, ...style }}
      role="img"
      aria-label={label}
      data-testid={testId}
      tabIndex={onCell ? 0 : undefined}
      onPointerDown={onCell ? (e) => onCell(...cellAt(e)) : undefined}
      onPointerMove={
        onCell
          ? (e) => {
              if (e.buttons || e.pointerType === 'mouse') onCell(...cellAt(e));
            }
          : undefined
      }
      onKeyDown={onCell ? onKeyDown : undefined}
    />
  );
}
