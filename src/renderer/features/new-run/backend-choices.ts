import type { SystemInfo } from '../../../shared/api';
import { BackendRequest } from '../../../shared/run-spec';
import type { Choice } from '../../ui/form/inputs';

/** The backend choices of a new-run form: every one the spec takes, those this host lacks disabled and said so. */
export function backendChoices(system: SystemInfo | null | undefined): Choice[] {
  const known = new Map((system?.backends ?? []).map((b) => [b.name, b]));
  return BackendRequest.options.map((b) => {
    const info = known.get(b);
    const unavailable = info !== undefined && !info.available;
    return { value: b, label: unavailable ? `${b} (unavailable)` : b, disabled: unavailable };
  });
}
