import { formatInt } from '../../lib/format';
import { useMemo } from 'react';
import type { ArtefactRecord, RunRecord } from '../../../shared/api';
import { shapeToString } from '../../../shared/conv-shapes';
import { CONVNET_DATASETS, defaultInputFor, isBuiltinDataset } from '../../../shared/convnet-spec';
import { inputShapeArray, parseInputShape } from '../../../shared/image-input';
import { LENET5, type LayerStack } from '../../../shared/layer-spec';
import { draftFromLayer, inspectDrafts } from '../new-run/stack-form';
import type { SnapshotState } from '../../api/store';
import { FilterViewer } from './FilterViewer';
import { ActivationViewer } from './ActivationViewer';
import { ConfusionPanel } from './ConfusionMatrix';
import { ShapeInspector } from '../new-run/ShapeInspector';
import { useRunArtefacts } from './use-run-artefacts';
import { PredictPanel } from './PredictPanel';
import './run-page.css';

interface Props {
  run: RunRecord;
  /** The run's 'filters' artefacts and loaded snapshots, as the store keeps them for the open run. */
  filters: ArtefactRecord[];
  snapshots: Record<number, SnapshotState>;
}

export const CONVNET_PRESETS: readonly string[] = ['lenet5-mnist', 'convnet'];

/** The stack, dataset and input shape a ConvNet run trains (lenet5-mnist: LeNet-5 on MNIST); classes null: sized to an imported dataset's at the start. */
export function runStack(run: RunRecord): { stack: LayerStack; dataset: string; inputShape: number[]; classes: number | null } | null {
  const spec = run.spec;
  if (spec.preset === 'convnet') {
    const { dataset } = spec.params;
    const inputShape = inputShapeArray(parseInputShape(spec.params.input ?? defaultInputFor(dataset)));
    return { stack: spec.params.stack, dataset, inputShape, classes: isBuiltinDataset(dataset) ? CONVNET_DATASETS.mnist.classes : null };
  }
  if (spec.preset === 'lenet5-mnist') return { stack: LENET5, dataset: 'mnist', inputShape: [...CONVNET_DATASETS.mnist.inputShape], classes: 10 };
  return null;
}

/**
 * Looking inside a ConvNet run, on its run page: the architecture (shape inspector), the
 * first-layer filters per epoch, activation maps for any test image, and the confusion matrix
 * once the run has written one. Renders nothing for other model families.
 */
export function ConvNetPanels({ run, filters, snapshots }: Props) {
  if (!CONVNET_PRESETS.includes(run.preset)) {
    return filters.length > 0 ? <FilterViewer filters={filters} snapshots={snapshots} /> : null;
  }
  return <ConvNetRunPanels run={run} filters={filters} snapshots={snapshots} />;
}

function ConvNetRunPanels({ run, filters, snapshots }: Props) {
  const checkpoints = useRunArtefacts(run.id, 'checkpoint');
  const confusion = useRunArtefacts(run.id, 'confusion');
  return (
    <div className="convnet-panels" data-testid="convnet-panels">
      <Architecture run={run} />
      <FilterViewer filters={filters} snapshots={snapshots} />
      <ActivationViewer runId={run.id} checkpoints={checkpoints.list} />
      <ConfusionPanel runId={run.id} artefacts={confusion.list} />
      {checkpoints.list.length > 0 && <PredictPanel runId={run.id} />}
      {(checkpoints.error || confusion.error) && <p className="error-text">Could not list the run&apos;s artefacts: {checkpoints.error ?? confusion.error}</p>}
    </div>
  );
}

function Architecture({ run }: { run: RunRecord }) {
  const report = useMemo(() => {
    const s = runStack(run);
    return s
      ? {
          ...s,
          report: inspectDrafts(
            s.inputShape,
            s.stack.map((l, i) => draftFromLayer(l, i + 1)),
            s.classes,
          ),
        }
      : null;
  }, [run]);
  if (!report) return null;
  const { dataset, inputShape, report: r } = report;
  return (
    <section className="panel-section" aria-labelledby="arch-title" data-testid="architecture-panel">
      <details>
        <summary>
          <h2 id="arch-title" className="inline-heading">
            Architecture
          </h2>{' '}
          <span className="muted small">
            {r.rows.length} layers · {formatInt(r.totals.params)} parameters · {formatInt(r.totals.multiplyAdds)} multiply-adds per image
          </span>
        </summary>
        <ShapeInspector
          report={r}
          inputLabel={`${isBuiltinDataset(dataset) ? 'MNIST' : `dataset ${dataset}`} ${shapeToString(inputShape)}`}
          caption="Layers"
          testId="run-inspector"
        />
        {r.problem && <p className="error-text">{r.problem.message}</p>}
      </details>
    </section>
  );
}
