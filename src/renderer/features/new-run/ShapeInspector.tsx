import { formatInt } from '../../lib/format';
import { shapeToString } from '../../../shared/conv-shapes';
import { LAYER_TYPE_LABELS, type StackReport } from './stack-form';
import './new-run.css';

const int = formatInt;

interface Props {
  report: StackReport;
  /** Shown above the table, e.g. "MNIST 28×28×1". */
  inputLabel?: string;
  caption?: string;
  testId?: string;
}

/**
 * The shape inspector as a table: per layer the output volume, weights, biases, multiply-adds
 * and parameters, with totals; an impossible layer shows the inspector's message on its row.
 */
export function ShapeInspector({ report, inputLabel, caption = 'Shape inspector', testId = 'shape-inspector' }: Props) {
  const { rows, totals } = report;
  return (
    <div className="inspector table-wrap" data-testid={testId}>
      <table className="inspector-table">
        <caption>
          {caption}
          {inputLabel && <span className="muted small"> · input {inputLabel}</span>}
        </caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Layer</th>
            <th scope="col" title="Output volume: height x width x channels (or length x channels, or units)">
              Output
            </th>
            <th scope="col" className="num">
              Weights
            </th>
            <th scope="col" className="num">
              Biases
            </th>
            <th scope="col" className="num" title="Multiply-adds per image">
              Mult-adds
            </th>
            <th scope="col" className="num" title="Weights + biases">
              Params
            </th>
          </tr>
        </thead>
        <tbody>
          <tr className="inspector-input" data-testid="inspector-input">
            <td />
            <th scope="row">Input</th>
            <td className="mono" data-testid="inspector-input-shape">
              {shapeToString(report.inputShape)}
            </td>
            <td colSpan={4} />
          </tr>
          {rows.map((r) => {
            const bad = Object.keys(r.fieldErrors).length > 0;
            return (
              <tr
                key={r.id}
                className={r.shapeError || bad ? 'inspector-bad' : r.blocked ? 'inspector-blocked' : undefined}
                data-testid={`inspector-row-${r.index}`}
              >
                <td className="muted">{r.index + 1}</td>
                <th scope="row" title={LAYER_TYPE_LABELS[r.type]}>
                  <span className="mono">{r.name}</span>
                </th>
                {r.info ? (
                  <>
                    <td className="mono" data-testid="inspector-output">
                      {shapeToString(r.info.outputShape)}
                    </td>
                    <td className="num" data-testid="inspector-weights">
                      {int(r.info.weights)}
                    </td>
                    <td className="num" data-testid="inspector-biases">
                      {r.info.biases ? `+${int(r.info.biases)}` : '0'}
                    </td>
                    <td className="num" data-testid="inspector-madds">
                      {int(r.info.multiplyAdds)}
                    </td>
                    <td className="num" data-testid="inspector-params">
                      {int(r.info.params)}
                    </td>
                  </>
                ) : r.shapeError ? (
                  <td colSpan={5} className="inspector-error" data-testid={`inspector-error-${r.index}`}>
                    {r.shapeError}
                  </td>
                ) : bad ? (
                  <td colSpan={5} className="inspector-error" data-testid={`inspector-error-${r.index}`}>
                    {Object.values(r.fieldErrors).join('; ')}
                  </td>
                ) : (
                  <td colSpan={5} className="muted">
                    —
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
        <tfoot>
          <tr>
            <td />
            <th scope="row">Total</th>
            <td className="mono" data-testid="inspector-output-shape">
              {report.outputShape ? shapeToString(report.outputShape) : '—'}
            </td>
            <td className="num">{int(totals.weights)}</td>
            <td className="num">{int(totals.biases)}</td>
            <td className="num" data-testid="inspector-total-madds">
              {int(totals.multiplyAdds)}
            </td>
            <td className="num" data-testid="inspector-total-params">
              {int(totals.params)}
            </td>
          </tr>
        </tfoot>
      </table>
    </div>
  );
}
