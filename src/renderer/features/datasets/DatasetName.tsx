import { useApiQuery } from '../../api/queries';
import { hrefFor } from '../../app/route';
import './datasets.css';

/** Dataset names by id, from datasets.list (shared with the other 'datasets' queries by key). */
export function useDatasetNames(): ReadonlyMap<string, string> {
  const list = useApiQuery('datasets.list', {});
  return new Map((list.data ?? []).map((d) => [d.id, d.name]));
}

/** What a run trained on, in words: "MNIST", an imported dataset's name, or a captions file. */
export function datasetLabel(value: string, names: ReadonlyMap<string, string>): string {
  if (value === 'mnist') return 'MNIST';
  return names.get(value) ?? value;
}

/**
 * A run's dataset by name, linked to the dataset's page when it is an imported dataset (issue 18,
 * problem 5). `names` from one useDatasetNames per page (use-query does not share answers).
 */
export function DatasetName({ value, names }: { value: string; names: ReadonlyMap<string, string> }) {
  const name = names.get(value);
  if (name === undefined) return <span title={value}>{datasetLabel(value, names)}</span>;
  return (
    <a href={hrefFor.dataset(value)} title={name} data-testid="dataset-link">
      {name}
    </a>
  );
}
